// The publication list: a checkbox that ticks every row of the page. Works without it too
// (rows can be ticked one by one).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || !box.matches || !box.matches("input[data-select-all]")) { return; }
    var name = box.getAttribute("data-select-all");
    var form = box.form || document;
    form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (el) {
      el.checked = box.checked;
    });
  });
})();
