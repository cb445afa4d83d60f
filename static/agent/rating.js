// A conversation's rating (docs/API.md "Ratings": {score 1–5, comment,
// created_at}, on AgentConversation.rating and in `conversation.rated`) as the
// console shows it: "Rated 4/5" and the comment in the chat's header, "★ 4"
// on its row in the lists and in search results, each with words for screen
// readers ("Rated 4 out of 5"), never the stars alone.

import { h } from '../js/dom.js';

/** The conversation's rating when it is one (a whole score 1–5), else null. */
export function ratingOf(conv) {
  const r = conv?.rating;
  if (!r || !Number.isInteger(r.score) || r.score < 1 || r.score > 5) return null;
  return { score: r.score, comment: typeof r.comment === 'string' ? r.comment.trim() : '', created_at: r.created_at || null };
}

/** "Rated 4 out of 5" (what a screen reader says). */
export const ratingLabel = (rating) => `Rated ${rating.score} out of 5`;

/** "Rated 4/5" (the header's badge). */
export const ratingShort = (rating) => `Rated ${rating.score}/5`;

/** A row's marker, "★ 4", labelled "Rated 4 out of 5"; null without a rating. */
export function ratingMarker(rating, { className = 'item-rating' } = {}) {
  if (!rating) return null;
  return h('span', { class: className, role: 'img', 'aria-label': ratingLabel(rating), title: ratingLabel(rating), dataset: { score: rating.score } },
    `★ ${rating.score}`);
}

/** What a row's aria-label adds: ", rated 4 out of 5" ('' without a rating). */
export const ratingText = (rating) => (rating ? `, rated ${rating.score} out of 5` : '');

/** What a row's change signature needs of the rating. */
export const ratingKey = (rating) => (rating ? `${rating.score}:${rating.comment}` : '');
