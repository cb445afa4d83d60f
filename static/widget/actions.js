// The quick actions under the conversation while the bot has it: the quick
// questions and the way to a person. The questions show as buttons once,
// under the welcome; after the shopper has asked something they fold into one
// "More questions" button (which opens them again until the next question),
// so that the answers, not the same buttons again, follow each question and
// the way to a person stays in sight. Pure: the view draws it.

/**
 * How the quick questions show: 'all' (a button each), 'more' (one "More
 * questions" button) or 'none'.
 * @param {{questions: Array, asked: number, openedAt: number|null}} state
 *   asked: how many messages the shopper has written or tapped (sending ones
 *   too); openedAt: `asked` when they last pressed "More questions" (null: not yet).
 */
export function chipsMode({ questions, asked, openedAt = null }) {
  if (!Array.isArray(questions) || questions.length === 0) return 'none';
  if (asked === 0 || openedAt === asked) return 'all';
  return 'more';
}
