// Live updates over Server-Sent Events: the bell's unread count, and a notice on a ticket page
// that someone else changed the ticket. Progressive enhancement: without it, pages show the
// count as of their load, and a reload shows the change.
(() => {
  const url = document.body.dataset.liveUrl;
  if (!url || !('EventSource' in window)) return;

  const bell = document.getElementById('nav-bell');
  const badge = document.getElementById('nav-bell-count');
  const announcer = document.getElementById('live-announcer');
  const plural = new Intl.PluralRules(document.documentElement.lang || 'es');
  let shown = badge && !badge.hidden ? Number.parseInt(badge.textContent, 10) || 0 : 0;

  function showUnread(count) {
    if (!bell || !badge) return;
    const label =
      count >= 100
        ? bell.dataset.labelMany
        : count === 0
          ? bell.dataset.labelNone
          : (plural.select(count) === 'one' ? bell.dataset.labelOne : bell.dataset.labelOther).replace(
              '{count}',
              String(count),
            );
    badge.textContent = count >= 100 ? '99+' : String(count);
    badge.hidden = count === 0;
    bell.setAttribute('aria-label', label);
    bell.title = label;
    if (count > shown && announcer) announcer.textContent = announcer.dataset.text;
    shown = count;
  }

  function onTicketChanged() {
    const notice = document.getElementById('live-ticket-updated');
    if (notice) notice.hidden = false;
  }

  const source = new EventSource(url);
  source.addEventListener('unread', (event) => {
    // Marks the page as live (also what browser tests wait for before acting).
    document.body.dataset.liveState = 'open';
    showUnread(JSON.parse(event.data).count);
  });
  source.addEventListener('ticket', onTicketChanged);
  // The server ends each stream after a few minutes; EventSource reconnects by itself. A 401/404
  // (signed out, ticket gone) closes it for good.
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) source.close();
  });
})();
