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

// Ticket actions: a link to the action's own page becomes a <dialog> holding the same form.
document.addEventListener('click', (event) => {
  if (!(event.target instanceof Element)) return;
  const opener = event.target.closest('[data-dialog]');
  if (opener) {
    const dialog = document.getElementById(opener.getAttribute('data-dialog') || '');
    if (dialog instanceof HTMLDialogElement && typeof dialog.showModal === 'function') {
      event.preventDefault();
      if (dialog.open) dialog.close();
      dialog.showModal();
      const field = dialog.querySelector('textarea, select, input:not([type=hidden])');
      if (field instanceof HTMLElement) field.focus();
    }
    return;
  }
  const closer = event.target.closest('[data-dialog-close]');
  const dialog = closer?.closest('dialog');
  if (closer && dialog instanceof HTMLDialogElement) {
    event.preventDefault();
    dialog.close();
  }
});

// A refused action comes back with its dialog open (visible even without JavaScript): make it modal.
document.addEventListener('DOMContentLoaded', () => {
  for (const dialog of document.querySelectorAll('dialog[data-reopen]')) {
    if (!(dialog instanceof HTMLDialogElement) || typeof dialog.showModal !== 'function') continue;
    dialog.close();
    dialog.showModal();
    const invalid = dialog.querySelector('.is-invalid');
    if (invalid instanceof HTMLElement) invalid.focus();
  }
  // The reason for changing the technician is asked only once another technician is chosen.
  for (const box of document.querySelectorAll('[data-reason-for]')) {
    const select = document.getElementById(box.getAttribute('data-reason-for') || '');
    if (!(select instanceof HTMLSelectElement) || !(box instanceof HTMLElement)) continue;
    const sync = () => {
      box.hidden = select.value === '' && !box.querySelector('.is-invalid');
    };
    select.addEventListener('change', sync);
    sync();
  }
});
