"""The style sheet and script the HTML reading-list page carries inline (hashed into its CSP at write time).

They are Python strings, not files, so that the export cache, which fingerprints the package's code, sees
every change to them. The script reads catalog text only from the page's JSON data block and writes it only
through textContent and the clipboard: it never parses catalog text as HTML.
"""

CSS = """
:root {
  color-scheme: light dark;
  --bg: #fbfbfa; --fg: #1d1f23; --muted: #5c6370; --line: #d9dce1; --card: #ffffff;
  --link: #0b57d0; --visited: #6b3fa0; --accent: #0b57d0; --chip: #eef2f8; --chip-fg: #1d3a6b;
  --on: #0b57d0; --on-fg: #ffffff; --focus: #e8710a; --mark: #fff3b0;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15171a; --fg: #e6e8eb; --muted: #a0a7b3; --line: #343941; --card: #1d2024;
    --link: #8ab4f8; --visited: #c8a6f5; --accent: #8ab4f8; --chip: #263140; --chip-fg: #d2e3fc;
    --on: #8ab4f8; --on-fg: #0d1b2e; --focus: #fbbc04; --mark: #5c4b00;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0 auto; max-width: 60rem; padding: 0 1rem 3rem; background: var(--bg); color: var(--fg);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif;
  overflow-wrap: anywhere;
}
a { color: var(--link); }
a:visited { color: var(--visited); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 3px; }
.skip { position: absolute; left: -100vw; top: 0; }
.skip:focus { left: 1rem; background: var(--card); padding: .5rem 1rem; z-index: 2; }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
}
header { padding: 1.5rem 0 .5rem; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 .5rem; }
.lede { margin: 0 0 .25rem; }
.about { margin: 0; color: var(--muted); font-size: .9rem; }
.controls {
  position: sticky; top: 0; z-index: 1; background: var(--bg); padding: .75rem 0 .5rem;
  border-bottom: 1px solid var(--line); margin-bottom: 1rem;
}
.search label { display: block; font-weight: 600; font-size: .9rem; margin-bottom: .25rem; }
.search input {
  width: 100%; font: inherit; padding: .5rem .75rem; border: 1px solid var(--muted); border-radius: .5rem;
  background: var(--card); color: var(--fg);
}
.bar { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; margin-top: .5rem; }
.bar .count { margin: 0 auto 0 0; font-size: .9rem; color: var(--muted); }
.bar .buttons { display: flex; flex-wrap: wrap; gap: .4rem; }
time { white-space: nowrap; }
button {
  font: inherit; font-size: .85rem; color: var(--fg); background: var(--card); border: 1px solid var(--line);
  border-radius: .4rem; padding: .25rem .6rem; cursor: pointer; min-height: 2rem;
}
button:hover { border-color: var(--accent); }
.tagbox { margin-top: .5rem; font-size: .9rem; }
.tagbox > summary { cursor: pointer; color: var(--muted); }
.chips { display: flex; flex-wrap: wrap; gap: .35rem; margin: .5rem 0 0; padding: 0; list-style: none; }
.tagbox .chips { max-height: 9.5rem; overflow-y: auto; }
.chip {
  background: var(--chip); color: var(--chip-fg); border: 1px solid transparent; border-radius: 1rem;
  padding: .05rem .6rem; min-height: 1.75rem; font-size: .8rem;
}
.chip[aria-pressed="true"] { background: var(--on); color: var(--on-fg); }
.chip .n { opacity: .75; margin-left: .25rem; }
.active { font-size: .85rem; }
details.folder { margin: 0 0 .5rem; }
details.folder > summary {
  cursor: pointer; list-style: none; display: flex; align-items: baseline; gap: .5rem; padding: .25rem 0;
}
details.folder > summary::-webkit-details-marker { display: none; }
details.folder > summary::before {
  content: "\\25B8"; display: inline-block; width: 1rem; color: var(--muted); transition: transform .15s;
}
details.folder[open] > summary::before { transform: rotate(90deg); }
details.folder > summary > :is(h2, h3, h4, h5, h6) { margin: 0; line-height: 1.3; }
details.folder h2 { font-size: 1.35rem; }
details.folder h3 { font-size: 1.15rem; }
details.folder :is(h4, h5, h6) { font-size: 1rem; }
details.folder > summary .n {
  margin-left: auto; flex: none; font-size: .8rem; color: var(--muted); border: 1px solid var(--line);
  border-radius: 1rem; padding: 0 .5rem;
}
details.folder details.folder { margin-left: 1rem; padding-left: .5rem; border-left: 2px solid var(--line); }
.folder-note { margin: 0 0 .5rem 1.5rem; color: var(--muted); font-size: .9rem; }
.items { list-style: none; margin: 0 0 .75rem; padding: 0 0 0 1.5rem; }
.item {
  background: var(--card); border: 1px solid var(--line); border-radius: .6rem; padding: .6rem .8rem;
  margin: 0 0 .5rem;
}
.item p { margin: .15rem 0; }
.item .title { font-weight: 600; font-size: 1.02rem; }
.item .meta, .item .ids { font-size: .88rem; color: var(--muted); }
.item .type {
  text-transform: uppercase; letter-spacing: .04em; font-size: .72rem; font-weight: 600;
  border: 1px solid var(--line); border-radius: .3rem; padding: 0 .35rem; margin-right: .35rem;
}
.item cite { font-style: italic; }
.item .summary { font-size: .95rem; }
.item .chips { margin-top: .35rem; }
.actions { display: flex; flex-wrap: wrap; gap: .4rem; margin-top: .4rem; }
.empty { color: var(--muted); font-style: italic; margin: 0 0 .5rem 1.5rem; }
.nothing { padding: 1rem; text-align: center; color: var(--muted); }
footer { margin-top: 2rem; color: var(--muted); font-size: .85rem; }
html:not(.js) .needs-js { display: none; }
@media (max-width: 40rem) {
  body { padding: 0 .6rem 2rem; font-size: 15px; }
  h1 { font-size: 1.4rem; }
  .items { padding-left: .25rem; }
  details.folder details.folder { margin-left: .25rem; padding-left: .4rem; }
  details.folder h2 { font-size: 1.15rem; }
  details.folder h3 { font-size: 1.05rem; }
  .tagbox .chips { max-height: 6.5rem; }
  .controls { position: static; }
}
@media print {
  :root { --bg: #fff; --fg: #000; --muted: #333; --card: #fff; --line: #999; --link: #000; --visited: #000; }
  body { max-width: none; font-size: 11pt; }
  .controls, .actions, .skip, .chip .n { display: none !important; }
  .chip { background: none; border: 1px solid #999; color: #000; }
  .item { break-inside: avoid; border: 0; border-bottom: 1px solid #ccc; border-radius: 0; padding: .3rem 0; }
  .item .title a::after { content: " <" attr(href) ">"; font-weight: normal; font-size: .8rem; }
  details.folder > summary::before { display: none; }
}
""".lstrip()

JS = """
"use strict";
(function () {
  const bibtex = JSON.parse(document.getElementById("page-data").textContent).bibtex;
  document.documentElement.classList.add("js");
  const query = document.getElementById("q");
  const count = document.getElementById("count");
  const announce = document.getElementById("announce");
  const active = document.getElementById("active");
  const items = Array.from(document.querySelectorAll("li.item"));
  const folders = Array.from(document.querySelectorAll("details.folder"));
  const total = Object.keys(bibtex).length;
  const selected = new Set();
  const haystack = new Map();  // what the search box looks in: title, authors, tags and summary
  const tagsOf = new Map();
  for (const item of items) {
    const tags = Array.from(item.querySelectorAll(".chip"), (chip) => chip.dataset.tag);
    const parts = [".title", ".by", ".summary"].map((css) => item.querySelector(css));
    const texts = parts.map((part) => (part ? part.textContent : ""));
    haystack.set(item, [texts[0], texts[1], tags.join(" "), texts[2]].join("\\n").toLowerCase());
    tagsOf.set(item, tags);
  }

  function matches(item, terms) {
    const tags = tagsOf.get(item);
    for (const tag of selected) {
      if (!tags.includes(tag)) return false;
    }
    const text = haystack.get(item);
    return terms.every((term) => text.includes(term));
  }

  function filter() {
    const terms = query.value.toLowerCase().split(/\\s+/).filter(Boolean);
    const filtering = terms.length > 0 || selected.size > 0;
    const shown = new Set();
    for (const item of items) {
      const ok = matches(item, terms);
      item.hidden = !ok;
      if (ok) shown.add(item.dataset.id);
    }
    for (const folder of folders.slice().reverse()) {
      const visible = folder.querySelectorAll("li.item:not([hidden])").length;
      folder.hidden = filtering && visible === 0;
      if (filtering && visible > 0) folder.open = true;
      folder.querySelector(":scope > summary .n").textContent = String(visible);
    }
    for (const chip of document.querySelectorAll(".chip[data-tag]")) {
      chip.setAttribute("aria-pressed", String(selected.has(chip.dataset.tag)));
    }
    document.getElementById("nothing").hidden = shown.size > 0;
    document.getElementById("clear").hidden = !filtering;
    count.textContent = filtering
      ? "Showing " + shown.size + " of " + total + " resources"
      : "Showing all " + total + " resources";
    active.textContent = selected.size ? "Tags: " + Array.from(selected).join(", ") : "";
  }

  function copyText(text, what, button) {
    const done = (ok) => {
      announce.textContent = ok ? what + " copied to the clipboard" : "Could not copy " + what;
      const label = button.textContent;
      button.textContent = ok ? "Copied" : "Copy failed";
      setTimeout(() => { button.textContent = label; }, 1500);
    };
    const fallback = () => {
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      let ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      area.remove();
      button.focus();
      done(ok);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(() => done(true), fallback);
    } else {
      fallback();
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.tag !== undefined) {
      const tag = button.dataset.tag;
      if (selected.has(tag)) selected.delete(tag); else selected.add(tag);
      filter();
    } else if (button.dataset.copy) {
      const item = button.closest("li.item");
      if (button.dataset.copy === "bibtex") copyText(bibtex[item.dataset.id], "BibTeX entry", button);
      else copyText(item.querySelector(".title a").getAttribute("href"), "Link", button);
    } else if (button.id === "expand" || button.id === "collapse") {
      for (const folder of folders) folder.open = button.id === "expand";
    } else if (button.id === "clear") {
      selected.clear();
      query.value = "";
      filter();
      query.focus();
    }
  });
  query.addEventListener("input", filter);
  document.addEventListener("keydown", (event) => {
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
    if (event.key === "/" && !typing) { event.preventDefault(); query.focus(); }
    if (event.key === "Escape" && event.target === query) { query.value = ""; filter(); }
  });
  const opened = new Map();
  window.addEventListener("beforeprint", () => {
    for (const folder of folders) { opened.set(folder, folder.open); folder.open = true; }
  });
  window.addEventListener("afterprint", () => {
    for (const [folder, open] of opened) folder.open = open;
  });
  filter();
})();
""".lstrip()
