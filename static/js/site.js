// Behaviour every page shares, bound here because the Content-Security-Policy allows no inline
// script: <select data-autosubmit> submits its form on change, <form data-confirm="..."> asks first.
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
// After a failed submit the page comes back with an error summary: bring it into view and focus
// it, so a phone user sees what went wrong without scrolling.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary") || document.querySelector(".checkin-result");
  function show() {
    if (summary && document.activeElement !== summary) {
      summary.scrollIntoView({block: "start"});
      summary.focus({preventScroll: true});
    }
  }
  show();
  window.addEventListener("load", show);  // after the browser's own jump to a #fragment
})();
// <button data-share="url">: the phone's share sheet where there is one, else copy the link.
(function () {
  "use strict";
  document.querySelectorAll("button[data-share]").forEach(function (button) {
    button.addEventListener("click", function () {
      var url = button.dataset.share;
      if (navigator.share) {
        navigator.share({title: button.dataset.title, url: url}).catch(function () {});
      } else if (navigator.clipboard) {
        navigator.clipboard.writeText(url).then(function () { button.textContent = button.dataset.copied; });
      }
    });
  });
})();
// One-time codes sent by SMS or e-mail (allauth marks their fields autocomplete=one-time-code; they
// are six digits, settings.ACCOUNT_*_CODE_FORMAT): the number pad. Entry codes and check-in codes have
// letters and keep the full keyboard.
(function () {
  "use strict";
  document.querySelectorAll("input[autocomplete=one-time-code]").forEach(function (input) {
    input.setAttribute("inputmode", "numeric");
  });
})();
// <button data-print>: the browser's print dialog (cue sheets print on A4).
(function () {
  "use strict";
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
// A table wider than the screen scrolls sideways inside its box: say so above it, and make the box a
// named, focusable region so keyboard users can scroll it too (WCAG 2.1.1, axe scrollable-region-focusable).
(function () {
  "use strict";
  var hint = document.body.dataset.scrollHint;
  document.querySelectorAll(".table-scroll").forEach(function (box) {
    if (box.scrollWidth <= box.clientWidth + 1) { return; }
    var caption = box.querySelector("caption"), heading = box.previousElementSibling;
    var name = caption ? caption.textContent : (heading && /^H[1-6]$/.test(heading.tagName) ? heading.textContent : hint);
    box.tabIndex = 0;
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", name.trim());
    var note = document.createElement("p");
    note.className = "scroll-hint";
    note.textContent = hint;
    box.parentNode.insertBefore(note, box);
  });
})();
// On English pages, Chinese text (an event, route or brand with no English name, a rider's name) is
// marked lang="zh-Hans" so screen readers switch voice (WCAG 3.1.2): each run of Han characters in
// a <span>, or the whole element where a span cannot go (an <option>, SVG text).
(function () {
  "use strict";
  if (!/^en/i.test(document.documentElement.lang)) { return; }
  var run = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+/g, han = /[\u3400-\u9fff]/;
  var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  var nodes = [];
  while (walker.nextNode()) {
    if (han.test(walker.currentNode.textContent)) { nodes.push(walker.currentNode); }
  }
  nodes.forEach(function (node) {
    var parent = node.parentElement;
    if (!parent || parent.closest("[lang]:not(html), script, style, textarea")) { return; }
    if (parent.closest("svg, option, select, title")) { (parent.closest("option, text") || parent).setAttribute("lang", "zh-Hans"); return; }
    var text = node.textContent, pieces = document.createDocumentFragment(), last = 0;
    text.replace(run, function (match, at) {
      if (!han.test(match)) { return match; }
      if (at > last) { pieces.appendChild(document.createTextNode(text.slice(last, at))); }
      var span = document.createElement("span");
      span.lang = "zh-Hans";
      span.textContent = match;
      pieces.appendChild(span);
      last = at + match.length;
      return match;
    });
    if (last === 0) { return; }
    if (last < text.length) { pieces.appendChild(document.createTextNode(text.slice(last))); }
    parent.replaceChild(pieces, node);
  });
})();
