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
