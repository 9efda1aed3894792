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
  document.querySelectorAll("select[data-search-url]").forEach((select) => {
    const base = new URL(select.dataset.searchUrl, window.location.href);
    const firstUrl = (query) => {
      const url = new URL(base);
      url.searchParams.set("q", query);
      return url.toString();
    };
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
      firstUrl,
      load(query, callback) {
        fetch(this.getUrl(query), { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
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
  });
})();

// A select with data-autosubmit sends its form as soon as it changes (the button stays for no script).
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) select.form.requestSubmit();
});

// A table wider than its frame scrolls inside it (static/css/portal.css .table-wrap): the frame then takes the
// keyboard's focus, so the arrow keys scroll it too; a table that fits is no extra stop.
(() => {
  if (typeof ResizeObserver === "undefined") return;
  const observer = new ResizeObserver((entries) => {
    entries.forEach(({ target }) => {
      if (target.scrollWidth > target.clientWidth) target.tabIndex = 0;
      else target.removeAttribute("tabindex");
    });
  });
  document.querySelectorAll(".table-wrap").forEach((frame) => observer.observe(frame));
})();
