// Measures a report loaded in the iframe #report of this wrapper page, with the browser's own
// layout, and writes the result as JSON into <pre id="result"> for `chromium --dump-dom`.
//   overflow: elements that scroll sideways (the page itself, or any box whose content is wider
//             than it) and elements that stick out past the right edge of the viewport;
//   broken:   words drawn on more than one line. A word is a run of characters without white
//             space; it may wrap after "/" or "-" (paths, ids), or at an explicit <wbr>, which
//             ends a text node; anywhere else a line break is a word broken mid-letter.
(function () {
  const frame = document.getElementById("report");
  const doc = frame.contentDocument;
  const win = frame.contentWindow;
  if (frame.dataset.open === "1") {
    for (const d of doc.querySelectorAll("details")) d.open = true;
  }
  frame.style.height = doc.documentElement.scrollHeight + "px";

  function label(el) {
    let name = el.tagName.toLowerCase();
    if (el.id) name += "#" + el.id;
    if (el.classList.length) name += "." + [...el.classList].join(".");
    const text = (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 60);
    return name + (text ? " '" + text + "'" : "");
  }

  function lines(range) {
    const bottoms = new Set();
    for (const r of range.getClientRects()) {
      if (r.width > 0.5) bottoms.add(Math.round(r.bottom));
    }
    return bottoms.size;
  }

  const broken = [];
  const cellsBroken = new Set();
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
  const word = /[^\s\/\-]+[\/\-]?/g;
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || el.closest("style, title, svg") || !el.getClientRects().length) continue;
    let m;
    word.lastIndex = 0;
    while ((m = word.exec(node.data))) {
      const range = doc.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      if (lines(range) > 1) {
        const cell = el.closest("td, th");
        if (cell) cellsBroken.add(cell);
        broken.push({ word: m[0], in: label(cell || el) });
      }
    }
  }

  const width = doc.documentElement.clientWidth;
  const overflow = [];
  const page = doc.scrollingElement;
  if (page.scrollWidth > page.clientWidth) {
    overflow.push({ el: "the page", scroll: page.scrollWidth, client: page.clientWidth });
  }
  for (const el of doc.body.querySelectorAll("*")) {
    if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") continue;
    if (!el.getClientRects().length) continue;
    const style = win.getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    if (rect.right > width + 0.5) {
      overflow.push({ el: label(el), right: Math.round(rect.right), viewport: width });
    } else if (["auto", "scroll"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      overflow.push({ el: label(el), scroll: el.scrollWidth, client: el.clientWidth });
    }
  }

  const result = {
    viewport: width,
    height: doc.documentElement.scrollHeight,
    cells: doc.querySelectorAll("td, th").length,
    cells_broken: cellsBroken.size,
    broken: broken.slice(0, 50),
    broken_count: broken.length,
    overflow: overflow.slice(0, 50),
    details: doc.querySelectorAll("details").length,
    details_open: doc.querySelectorAll("details[open]").length,
    cards: [...doc.querySelectorAll("table.cards tr")].filter(
      (tr) => win.getComputedStyle(tr).display === "flex"
    ).length,
  };
  document.getElementById("result").textContent = JSON.stringify(result);
})();
