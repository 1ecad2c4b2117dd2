//go:build race

package train

// raceEnabled reports whether the race detector is on: it drops
// sync.Pool items, so allocation counts mean nothing under it.
const raceEnabled = true
