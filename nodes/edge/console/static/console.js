// The console's one script. Every page works without it: it only keeps the counts of waiting work (ads
// pending review, reports open) up to date, on the navigation's badges and the dashboard's figures
// (elements with `data-live`), from the event stream /admin/live (see live.py). A badge shows nothing
// for 0 or for a count that could not be taken; a figure shows "—" for the latter.
(function () {
  "use strict";
  var marks = document.querySelectorAll("[data-live]");
  if (!marks.length || !window.EventSource) {
    return;
  }
  var stream = new EventSource("/admin/live");
  stream.onmessage = function (event) {
    var counts = JSON.parse(event.data);
    marks.forEach(function (mark) {
      var count = counts[mark.getAttribute("data-live")];
      var known = typeof count === "number";
      if (mark.classList.contains("badge")) {
        mark.textContent = known && count > 0 ? String(count) : "";
      } else {
        mark.textContent = known ? String(count) : "—";
      }
    });
  };
  window.addEventListener("pagehide", function () {
    stream.close();
  });
})();
