// Behaviour the pages need, kept out of inline attributes so the Content-Security-Policy can forbid inline script.
(function () {
  'use strict';

  // <select data-autosubmit>: choosing an option submits its form (the language switch).
  document.querySelectorAll('select[data-autosubmit]').forEach(function (select) {
    select.addEventListener('change', function () { select.form.submit(); });
  });

  // <form data-template-url="…/0.xlsx">: go to the template of the chosen category and format.
  document.querySelectorAll('form[data-template-url]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      window.location = form.dataset.templateUrl.replace('0.xlsx', form.category.value + '.' + form.fmt.value);
    });
  });

  // Sign-up: show only the part of the form that matches the chosen way of joining.
  var modes = document.querySelectorAll('input[name="mode"]');
  var join = document.getElementById('signup-join');
  var create = document.getElementById('signup-create');
  if (modes.length && join && create) {
    var sync = function () {
      var mode = document.querySelector('input[name="mode"]:checked');
      var joining = Boolean(mode && mode.value === 'join');
      join.hidden = !joining;
      create.hidden = joining;
    };
    modes.forEach(function (el) { el.addEventListener('change', sync); });
    sync();
  }
})();
