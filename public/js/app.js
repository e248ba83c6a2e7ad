// Progressive enhancement only: every page works without this file.
document.documentElement.classList.add('has-js');

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

document.addEventListener('change', (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute('data-autosubmit') && target.form) {
    target.form.requestSubmit();
  }
});

// Show only the fieldsets that apply to the chosen role (organization for clients, departments
// for technicians). The server ignores fields that do not apply, so this is only about clarity.
function syncRoleFieldsets() {
  const select = document.querySelector('[data-role-select]');
  if (!select) return;
  for (const fieldset of document.querySelectorAll('[data-for-role]')) {
    fieldset.hidden = fieldset.getAttribute('data-for-role') !== select.value;
  }
}
document.addEventListener('change', (event) => {
  if (event.target instanceof HTMLElement && event.target.matches('[data-role-select]')) syncRoleFieldsets();
});
document.addEventListener('DOMContentLoaded', syncRoleFieldsets);
