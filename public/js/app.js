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

// Canned replies: «Insertar» fills the reply box in place (without JavaScript the button posts the
// form and the page comes back filled). The reply's action is offered as a ticked box when the
// ticket allows it now.
document.addEventListener('click', async (event) => {
  if (!(event.target instanceof Element)) return;
  const button = event.target.closest('[data-canned-insert]');
  const form = button?.closest('form[data-canned-replies]');
  if (!(button instanceof HTMLButtonElement) || !(form instanceof HTMLFormElement)) return;
  const select = form.querySelector('select[name="replyId"]');
  const box = form.querySelector('textarea[name="body"]');
  if (!(select instanceof HTMLSelectElement) || !(box instanceof HTMLTextAreaElement) || !select.value) return;
  event.preventDefault();
  let reply;
  try {
    const url = `${form.dataset.cannedReplies}?reply=${encodeURIComponent(select.value)}`;
    const response = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!response.ok) throw new Error(String(response.status));
    reply = await response.json();
  } catch {
    form.requestSubmit(button); // the page's own way, without the script
    return;
  }
  const start = box.selectionStart ?? box.value.length;
  const end = box.selectionEnd ?? box.value.length;
  box.setRangeText(reply.text, start, end, 'end');
  box.focus();
  const holder = form.querySelector('[data-canned-action]');
  const checkbox = holder?.querySelector('input[name="thenAction"]');
  if (!(holder instanceof HTMLElement) || !(checkbox instanceof HTMLInputElement)) return;
  if (!reply.action) {
    holder.hidden = true;
    checkbox.disabled = true;
    checkbox.checked = false;
    return;
  }
  const allowed = (form.dataset.allowedActions || '').split(' ').includes(reply.action);
  checkbox.value = reply.action;
  checkbox.disabled = false;
  checkbox.checked = allowed;
  const label = holder.querySelector('label');
  if (label) label.textContent = reply.label;
  const notNow = holder.querySelector('[data-not-now]');
  if (notNow instanceof HTMLElement) {
    notNow.textContent = reply.notNow;
    notNow.hidden = allowed;
  }
  holder.hidden = false;
});
