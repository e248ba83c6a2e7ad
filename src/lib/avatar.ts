// Initials avatars: the server computes the letters; the colour is one of a few CSS classes
// (avatar-0…avatar-5 in public/css/app.css, each AA with white text) chosen from the person's id.
const AVATAR_COLOURS = 6;

export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = words[0]?.[0] ?? '?';
  const last = words.length > 1 ? (words[words.length - 1]?.[0] ?? '') : '';
  return (first + last).toUpperCase();
}

/** A stable colour per person, so the same person looks the same on every page. */
export function avatarClassOf(id: number | null | undefined): string {
  return `avatar-${(Math.imul((id ?? 0) + 1, 2_654_435_761) >>> 0) % AVATAR_COLOURS}`;
}
