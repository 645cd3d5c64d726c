// shishi — the little behaviour the pages need beyond htmx. Everything works without it.
(function () {
  "use strict";

  // A select marked data-autosubmit submits its form when changed (programme, district).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });

  // On a phone, secondary filters start folded away unless one of them is in use.
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.matchMedia || !window.matchMedia("(max-width: 720px)").matches) { return; }
    document.querySelectorAll("details[data-collapse-on-phone]:not([data-active])").forEach(
      function (el) { el.open = false; }
    );
  });

  // A form marked data-confirm asks before it is sent (close out an item).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);
})();
