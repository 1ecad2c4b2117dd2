//go:build !race

package train

// raceEnabled reports whether the race detector is on.
const raceEnabled = false
