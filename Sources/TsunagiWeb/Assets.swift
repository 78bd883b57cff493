/// The one stylesheet and the one small script every page loads. Colours meet WCAG 2.1 AA
/// (4.5:1 for text, 3:1 for focus rings and borders that matter); nothing depends on colour alone.
enum WebAssets {
    static let stylesheet = """
    :root { --ink: #1a1a1a; --paper: #ffffff; --muted: #4a4a4a; --line: #767676; --link: #0b57d0;
      --accent: #0b57d0; --accent-ink: #ffffff; --alert: #b3261e; --alert-bg: #fdecea; --ok: #1e6b34;
      --ok-bg: #e7f4ea; --warn: #8a4b00; --warn-bg: #fff4e0; --focus: #ffbf00; --band: #f3f4f6; }
    * { box-sizing: border-box; }
    html { font-size: 100%; }
    body { margin: 0; color: var(--ink); background: var(--paper); line-height: 1.7;
      font-family: "Noto Sans JP", "Hiragino Sans", "Yu Gothic UI", "Meiryo", system-ui, sans-serif; }
    a { color: var(--link); text-underline-offset: 0.15em; }
    a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible,
    main:focus-visible { outline: 3px solid var(--ink); outline-offset: 2px; box-shadow: 0 0 0 6px var(--focus); }
    .skip { position: absolute; left: -9999px; top: 0; background: var(--paper); padding: 0.5rem 1rem; }
    .skip:focus { left: 0.5rem; z-index: 10; }
    header.site { background: var(--band); border-bottom: 1px solid var(--line); padding: 0.25rem 1rem; }
    .site-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem; }
    .site-name { font-weight: 700; margin: 0.25rem 0; }
    .lang { margin: 0 0 0 auto; }
    nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 0.25rem 1.25rem; margin: 0.25rem 0; padding: 0; }
    nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
    .logout { margin: 0 0 0 auto; display: flex; align-items: center; gap: 0.5rem; }
    .status { margin: 0.25rem 0; padding: 0.1rem 0.6rem; border: 1px solid currentColor; border-radius: 4px; }
    .status-ok { color: var(--ok); background: var(--ok-bg); }
    .status-warning { color: var(--warn); background: var(--warn-bg); font-weight: 700; }
    main { padding: 0.5rem 1rem 2rem; max-width: 72rem; }
    h1 { font-size: 1.5rem; margin: 0.75rem 0; }
    h2 { font-size: 1.2rem; margin: 1.5rem 0 0.5rem; }
    .notice { border-left: 6px solid var(--ok); background: var(--ok-bg); padding: 0.5rem 0.75rem; }
    .alert { border-left: 6px solid var(--alert); background: var(--alert-bg); color: var(--alert);
      padding: 0.5rem 0.75rem; font-weight: 700; }
    table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; }
    caption { text-align: left; font-weight: 700; padding: 0.25rem 0; }
    th, td { border: 1px solid var(--line); padding: 0.35rem 0.5rem; text-align: left; vertical-align: top; }
    thead th { background: var(--band); }
    tr.overdue td { background: var(--alert-bg); }
    /* Ids, names and age bands read whole; the longer columns wrap instead. */
    td.nowrap { white-space: nowrap; }
    .badge { display: inline-block; padding: 0 0.4rem; border-radius: 3px; font-size: 0.875rem; font-weight: 700;
      border: 1px solid currentColor; }
    .badge-overdue { color: var(--alert); background: var(--paper); }
    dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
    dl.facts dt { font-weight: 700; }
    dl.facts dd { margin: 0; }
    .field { margin: 0 0 1rem; }
    .field label, .field legend { display: block; font-weight: 700; }
    .field .hint { color: var(--muted); font-size: 0.9rem; margin: 0; }
    .required { color: var(--alert); font-weight: 700; }
    input[type=text], input[type=password], input[type=date], input[type=tel], input[type=search], select, textarea {
      font: inherit; color: var(--ink); background: var(--paper); border: 2px solid var(--line); border-radius: 4px;
      padding: 0.35rem 0.5rem; min-width: 16rem; max-width: 100%; }
    textarea { width: 100%; min-height: 5rem; }
    fieldset { border: 1px solid var(--line); margin: 0 0 1rem; padding: 0.5rem 1rem; }
    .has-error input, .has-error select, .has-error textarea { border-color: var(--alert); }
    .field-error { color: var(--alert); font-weight: 700; margin: 0.25rem 0 0; }
    button { font: inherit; font-weight: 700; color: var(--accent-ink); background: var(--accent);
      border: 2px solid var(--accent); border-radius: 4px; padding: 0.35rem 1rem; cursor: pointer; }
    button.secondary { color: var(--accent); background: var(--paper); }
    button.danger { background: var(--alert); border-color: var(--alert); }
    .answers { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); }
    .answers form { border: 1px solid var(--line); border-radius: 4px; padding: 0.75rem 1rem; }
    .muted { color: var(--muted); }
    .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    .login { max-width: 28rem; }
    @media print {
      header.site nav, .logout, .lang, .skip, form, button, script { display: none !important; }
      body { font-size: 10.5pt; }
      a { color: var(--ink); text-decoration: none; }
      tr.overdue td { background: none; font-weight: 700; }
    }
    """

    /// Refreshes every element with `data-live="URL"` from that URL (an HTML fragment) every few
    /// seconds, while the tab is visible and focus is not inside the element. Without JavaScript the
    /// page is complete as served; reloading shows the same.
    static let liveScript = """
    (function () {
      "use strict";
      var seconds = 3;
      function refresh(element) {
        if (document.hidden || element.contains(document.activeElement)) { return; }
        fetch(element.getAttribute("data-live"), { credentials: "same-origin", redirect: "error",
          headers: { "X-Requested-With": "fetch" } })
          .then(function (response) { return response.ok ? response.text() : null; })
          .then(function (html) {
            if (html !== null && element.getAttribute("data-live-html") !== html) {
              element.innerHTML = html;
              element.setAttribute("data-live-html", html);
            }
          })
          .catch(function () {});
      }
      function start() {
        var elements = document.querySelectorAll("[data-live]");
        if (elements.length === 0) { return; }
        setInterval(function () { elements.forEach(refresh); }, seconds * 1000);
      }
      if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
    })();
    """
}
