// An optional, quiet two-note chime for new chats and messages. Off by
// default; synthesized with WebAudio, so there is no audio file to load.
// Browsers only allow audio after a user gesture: the context is created on
// the click that turns sound on (or on the first click after a reload).

const KEY = 'switchboard.console.sound';
let ctx = null;
let enabled = false;
let lastAt = 0;

try {
  enabled = localStorage.getItem(KEY) === 'on';
} catch {
  enabled = false;
}

function ensureContext() {
  if (!enabled) return;
  const AC = window.AudioContext || window.webkitAudioContext;
  if (!AC) return;
  ctx ||= new AC();
  if (ctx.state === 'suspended') ctx.resume().catch(() => {});
}

// After a reload the preference is "on" but the context needs a gesture.
addEventListener('pointerdown', ensureContext, { passive: true });
addEventListener('keydown', ensureContext);

export function soundEnabled() {
  return enabled;
}

export function setSound(on) {
  enabled = on;
  try {
    localStorage.setItem(KEY, on ? 'on' : 'off');
  } catch {
    // not persisted
  }
  if (on) {
    ensureContext();
    chime();
  }
}

/** Plays the chime (rate-limited so a burst of messages is one sound). */
export function chime() {
  if (!enabled || !ctx || ctx.state !== 'running') return;
  const now = ctx.currentTime;
  if (performance.now() - lastAt < 1500) return;
  lastAt = performance.now();
  [[660, 0], [990, 0.12]].forEach(([freq, delay]) => {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, now + delay);
    gain.gain.exponentialRampToValueAtTime(0.09, now + delay + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + delay + 0.32);
    osc.connect(gain).connect(ctx.destination);
    osc.start(now + delay);
    osc.stop(now + delay + 0.35);
  });
}
