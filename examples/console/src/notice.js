// A one-shot message carried from one screen to the next ("Changes saved." after an edit
// returns to the detail). Kept in memory only: it never holds anything secret, and a reload
// rightly forgets it.

let pending = null;

export const notice = {
  set: (text) => {
    pending = text;
  },
  take: () => {
    const text = pending;
    pending = null;
    return text;
  },
};
