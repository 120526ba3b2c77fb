const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Every piece of text from the results goes through this, in element content and attributes alike. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => ENTITIES[c])
}
