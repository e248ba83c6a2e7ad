// The load script submits what it finds in the pages' forms; if the parser misread a form, every
// write of `npm run bench:load` would fail (or send the wrong fields) without saying why.
import { describe, expect, it } from 'vitest';
import { hiddenField, nextLink, parseForms, ticketLinks } from '../../bench/lib.js';

const page = `
<a href="/tickets/TKT-12">TKT-12</a> <a href="/tickets/TKT-7">TKT-7</a> <a href="/tickets/TKT-12">again</a>
<form method="get" action="/queue"><input name="q" value=""></form>
<form method="post" action="/tickets/TKT-12/actions/assign" novalidate>
  <input type="hidden" name="_csrf" value="tok&amp;en">
  <input type="hidden" name="version" value="3">
  <select id="a" name="categoryId" required class="form-select"><option value="">Elegir</option><option value="4" selected>Redes</option><option value="5">CCTV</option></select>
  <select name="technicianId"><option value="">Elegir</option><option value="21">Ana</option></select>
  <textarea name="reason" rows="2">Ya &lt;visto&gt;</textarea>
</form>
<form method="post" action="/tickets/TKT-12/comments" enctype="multipart/form-data">
  <input type="hidden" name="_csrf" value="t2">
  <input class="form-check-input" type="checkbox" id="f-internal" name="internal">
  <input class="btn-check" type="radio" name="rating" value="1"><input class="btn-check" type="radio" name="rating" value="5">
</form>
<a href="?status=NEW&amp;after=abc&#x3D;" rel="next">Siguiente</a>`;

describe('the bench reads forms as a browser would', () => {
  it('finds POST forms with their hidden fields, lists, text and multipart encoding', () => {
    const [assign, comment, ...rest] = parseForms(page);
    expect(rest).toEqual([]);
    expect(assign).toMatchObject({
      action: '/tickets/TKT-12/actions/assign',
      multipart: false,
      hidden: { _csrf: 'tok&en', version: '3' },
      selects: { categoryId: { options: ['4', '5'], selected: '4' }, technicianId: { options: ['21'] } },
      textareas: { reason: 'Ya <visto>' },
    });
    // Nothing selected: a person picks one (the bench too), where a browser would send "".
    expect(assign?.selects.technicianId?.selected).toBeUndefined();
    expect(comment).toMatchObject({
      action: '/tickets/TKT-12/comments',
      multipart: true,
      hidden: { _csrf: 't2' },
      checkboxes: ['internal'],
      radios: { rating: ['1', '5'] },
    });
  });

  it('reads the CSRF token, the ticket links and the next-page link', () => {
    expect(hiddenField(page, '_csrf')).toBe('tok&en');
    expect(ticketLinks(page)).toEqual([12, 7]);
    expect(nextLink(page, '/queue?status=NEW')).toBe('/queue?status=NEW&after=abc=');
  });
});
