// The new part of a reply: mail clients append the message they answer (our notification, with
// its own quote), which would repeat the whole thread in every comment. Cut where the quoted part
// starts (an attribution line, an "original message" separator, Outlook's header block) in
// es/en/pt, and drop a trailing "> " quote.

// "On Tue, 1 Dec 2026 at 10:00, Ana <ana@x> wrote:" / "El ... escribió:" / "Em ... escreveu:"
const attribution = /^(on|el|em)\b.{0,300}\b(wrote|escribió|escreveu)\s*:\s*$/i;
// ...which names a sender address, a year or a time: "On screen it wrote:" is the client's text.
const attributionDetail = /@|\b\d{4}\b|\b\d{1,2}:\d{2}\b/;
const separator = /^(-{2,}\s*(original message|mensaje original|mensagem original)\s*-{2,}|_{10,})\s*$/i;
// Outlook's quoted header block: "From: …" followed by "Sent:"/"Enviado:"/"Date:" lines.
const headerStart = /^(from|de)\s*:\s*\S/i;
const headerNext = /^(sent|enviado|date|fecha|data|to|para)\s*:/i;

function startsQuote(line: string, next: string): boolean {
  if (separator.test(line)) return true;
  if (headerStart.test(line) && headerNext.test(next)) return true;
  // Gmail wraps a long attribution over two lines.
  for (const candidate of [line, `${line} ${next}`]) {
    if (attribution.test(candidate) && attributionDetail.test(candidate)) return true;
  }
  return false;
}

export function stripQuotedReply(text: string): string {
  const lines = text.split('\n').map((line) => line.trimEnd());
  let cut = lines.findIndex((line, i) => startsQuote(line.trim(), (lines[i + 1] ?? '').trim()));
  if (cut === -1) cut = lines.length;
  const kept = lines.slice(0, cut);
  // A quote without an attribution: trailing "> " lines.
  while (kept.length > 0 && /^\s*(>.*)?$/.test(kept[kept.length - 1] ?? '')) kept.pop();
  const result = kept.join('\n').trim();
  // Never leave a reply empty: one written below the quote (or all quote) is kept whole.
  return result || text.trim();
}
