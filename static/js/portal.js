// Progressive enhancement: a link with data-dialog opens that <dialog> instead of the confirmation page.
document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-dialog]");
  if (opener) {
    const dialog = document.getElementById(opener.dataset.dialog);
    if (dialog && typeof dialog.showModal === "function") {
      event.preventDefault();
      dialog.showModal();
      const first = dialog.querySelector("textarea, input, button");
      if (first) first.focus();
    }
  }
  const closer = event.target.closest("[data-close-dialog]");
  if (closer) {
    event.preventDefault();
    closer.closest("dialog").close();
  }
});

// A button with data-copy copies the value of that input to the clipboard.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    button.textContent = button.dataset.copied || "✓";
  } catch {
    document.execCommand("copy");
  }
});

// A table with data-poll (reports being prepared) refreshes itself from the same URL until nothing is pending.
(() => {
  const poll = async () => {
    const current = document.querySelector("#table[data-poll]");
    if (!current) return;
    try {
      const response = await fetch(window.location.href, { headers: { "X-Requested-With": "fetch" } });
      if (response.ok) {
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = page.getElementById("table");
        if (fresh) current.replaceWith(fresh);
      }
    } finally {
      const next = document.querySelector("#table[data-poll]");
      if (next) setTimeout(poll, Number(next.dataset.poll));
    }
  };
  const first = document.querySelector("#table[data-poll]");
  if (first) setTimeout(poll, Number(first.dataset.poll));
})();

// A select with data-search-url (portal/widgets.py SearchSelect) searches as you type with Tom Select, served
// by the portal (static/vendor/tom-select): the page holds only the chosen options, the rest come from that
// URL as JSON, 20 at a time, more as the list scrolls. The server searches (names, billing and tax ids), so
// what it answers is shown as it is, in its order.
(() => {
  if (typeof TomSelect === "undefined") return;
  const escape = (text) => {
    const span = document.createElement("span");
    span.textContent = text || "";
    return span.innerHTML;
  };
  const getJson = (url) =>
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then((response) =>
      response.ok ? response.json() : Promise.reject(response.status),
    );
  // data-search-with="cloud": the choices depend on the form's field of that name (a cloud's folders)
  const parentOf = (select) =>
    select.dataset.searchWith && select.form ? select.form.elements[select.dataset.searchWith] : null;
  const firstUrl = (select, query) => {
    const url = new URL(select.dataset.searchUrl, window.location.href);
    url.searchParams.set("q", query);
    const parent = parentOf(select);
    if (parent && parent.value) url.searchParams.set(select.dataset.searchWith, parent.value);
    return url.toString();
  };
  const enhance = (select) => {
    const control = new TomSelect(select, {
      valueField: "id",
      labelField: "text",
      searchField: [],
      plugins: select.multiple ? ["virtual_scroll", "remove_button"] : ["virtual_scroll", "clear_button"],
      placeholder: select.dataset.placeholder,
      allowEmptyOption: false,
      maxOptions: null,
      preload: "focus",
      loadThrottle: 250,
      shouldLoad: () => true, // the empty query too: the first page of choices
      score: () => () => 1,
      firstUrl: (query) => firstUrl(select, query),
      load(query, callback) {
        getJson(this.getUrl(query))
          .then((json) => {
            if (json.next) this.setNextUrl(query, json.next);
            callback(json.results);
          })
          .catch(() => callback());
      },
      render: {
        option: (data) =>
          `<div>${escape(data.text)}${data.hint ? `<small class="ts-hint">${escape(data.hint)}</small>` : ""}</div>`,
        item: (data) => `<div>${escape(data.text)}</div>`,
        no_results: () => `<div class="no-results">${escape(select.dataset.noResults)}</div>`,
        loading_more: () => `<div class="loading-more-results">${escape(select.dataset.more)}</div>`,
        no_more_results: () => "",
      },
    });
    // the select stays in the form, hidden: the search field (its label now points there) speaks for it
    control.input.setAttribute("aria-hidden", "true");
    return control;
  };
  document.querySelectorAll("select[data-search-url]").forEach((select) => {
    let control = enhance(select);
    const parent = parentOf(select);
    if (!parent) return;
    // another parent: the choices loaded (and kept by the list's paging) were the other one's, so the select
    // starts afresh; the chosen one stays only if the server lists it under the new parent
    const drop = (value) => {
      control.clear();
      control.removeOption(value);
    };
    parent.addEventListener("change", () => {
      const chosen = control.getValue();
      const label = chosen && control.options[chosen] ? control.options[chosen].text : "";
      control.destroy();
      select.querySelectorAll("option").forEach((option) => {
        if (option.value) option.remove();
      });
      if (chosen) select.add(new Option(label, chosen, true, true));
      control = enhance(select);
      if (!chosen || !parent.value) return;
      getJson(firstUrl(select, chosen))
        .then((json) => {
          if (!json.results.some((choice) => String(choice.id) === chosen)) drop(chosen);
        })
        .catch(() => drop(chosen));
    });
  });
})();

// A select with data-autosubmit sends its form as soon as it changes (the button stays for no script).
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) select.form.requestSubmit();
});

// The header's search (dashboard/search.py). "/" anywhere but in a field focuses the box, as on most portals.
// As it is typed, suggestions of each kind come from data-suggest-url (the same search, fewer results) in a
// list of links under the box: Down arrow moves into them (and Up/Down between them), Escape returns to the
// box, Tab reaches them as any link; a polite status line says how many were found. Enter in the box still
// submits the form to the full results page, which works without any of this.
(() => {
  const input = document.getElementById("site-search");
  if (!input || !input.dataset.suggestUrl) return;
  const form = input.form;
  const panel = document.createElement("div");
  panel.id = "site-search-suggestions";
  panel.className = "site-search__suggest";
  panel.hidden = true;
  const status = document.createElement("p");
  status.className = "sr-only";
  status.setAttribute("role", "status");
  form.append(panel, status);
  input.setAttribute("aria-controls", panel.id);

  const typing = (target) =>
    target.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])");
  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    event.preventDefault();
    input.focus();
    input.select();
  });

  const close = () => {
    panel.hidden = true;
  };
  const links = () => Array.from(panel.querySelectorAll("a"));
  const element = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const show = (json) => {
    panel.replaceChildren();
    json.groups.forEach((group, index) => {
      const section = element("section", "site-search__group");
      const heading = element("h2", "site-search__title", `${group.title} `);
      heading.id = `site-search-group-${index}`;
      heading.append(element("span", "search-count", `(${group.count}${group.more ? "+" : ""})`));
      section.setAttribute("aria-labelledby", heading.id);
      const list = element("ul", "search-hits");
      group.results.forEach((hit) => {
        const item = element("li");
        const link = element("a", "", hit.text);
        link.href = hit.url;
        item.append(link);
        if (hit.hint) item.append(" ", element("span", "search-hint", hit.hint));
        list.append(item);
      });
      const all = element("a", "site-search__all", input.dataset.allLabel || "…");
      all.href = group.url;
      section.append(heading, list, all);
      panel.append(section);
    });
    if (json.page) {
      const page = element("a", "site-search__page", input.dataset.pageLabel || "");
      page.href = json.page;
      panel.append(page);
    }
    if (json.message) panel.append(element("p", "help", json.message));
    const found = json.groups.reduce((sum, group) => sum + group.results.length, 0);
    status.textContent = json.message || (input.dataset.foundLabel || "").replace("{count}", found);
    panel.hidden = false;
  };

  let timer;
  let pending;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    if (pending) pending.abort();
    if (input.value.trim().length < Number(input.dataset.minLength || 2)) {
      close();
      return;
    }
    timer = setTimeout(async () => {
      pending = new AbortController();
      const url = new URL(input.dataset.suggestUrl, window.location.href);
      url.searchParams.set("q", input.value.trim());
      try {
        const response = await fetch(url, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
          signal: pending.signal,
        });
        if (response.ok) show(await response.json());
      } catch {
        /* aborted by newer typing, or offline: the form still submits */
      }
    }, 200);
  });

  form.addEventListener("keydown", (event) => {
    const all = links();
    const at = all.indexOf(document.activeElement);
    if (event.key === "Escape") {
      if (!panel.hidden) {
        event.preventDefault();
        close();
        input.focus();
      }
    } else if (event.key === "ArrowDown" && !panel.hidden && all.length) {
      event.preventDefault();
      all[Math.min(at + 1, all.length - 1)].focus();
    } else if (event.key === "ArrowUp" && at >= 0) {
      event.preventDefault();
      if (at === 0) input.focus();
      else all[at - 1].focus();
    }
  });
  form.addEventListener("focusout", (event) => {
    if (!form.contains(event.relatedTarget)) close();
  });
})();

// A table wider than its frame scrolls inside it (static/css/portal.css .table-wrap): the frame then takes the
// keyboard's focus, so the arrow keys scroll it too; a table that fits is no extra stop. Both the frame and its
// tables are watched: a table that grows in a frame of the same size (a web font arriving, longer words of
// another language) makes the frame scroll without the frame itself being resized.
(() => {
  if (typeof ResizeObserver === "undefined") return;
  const observer = new ResizeObserver((entries) => {
    entries.forEach(({ target }) => {
      const frame = target.closest(".table-wrap");
      if (frame.scrollWidth > frame.clientWidth) frame.tabIndex = 0;
      else frame.removeAttribute("tabindex");
    });
  });
  document.querySelectorAll(".table-wrap").forEach((frame) => {
    observer.observe(frame);
    frame.querySelectorAll("table").forEach((table) => observer.observe(table));
  });
})();
