// Package parallel splits loops over the machine's cores.
//
// Work is cut into fixed-size chunks whose boundaries do not depend on the
// number of threads, so a reduction that combines per-chunk results in chunk
// order gives bit-identical answers whatever the thread count.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

var threads atomic.Int64

// Threads reports how many goroutines For may use; by default GOMAXPROCS.
func Threads() int {
	if t := threads.Load(); t > 0 {
		return int(t)
	}
	return runtime.GOMAXPROCS(0)
}

// SetThreads sets how many goroutines For may use; n <= 0 restores the
// default (GOMAXPROCS). It returns the previous setting.
func SetThreads(n int) int {
	prev := Threads()
	if n < 0 {
		n = 0
	}
	threads.Store(int64(n))
	return prev
}

// For calls body(lo, hi) over [0, n) in chunks of at most grain elements,
// spread over Threads() goroutines. Small loops (n <= grain) or a single
// thread run inline with no goroutine and no allocation. Chunk k always
// covers [k*grain, min((k+1)*grain, n)).
func For(n, grain int, body func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	chunks := (n + grain - 1) / grain
	t := Threads()
	if t > chunks {
		t = chunks
	}
	if t <= 1 {
		for lo := 0; lo < n; lo += grain {
			body(lo, min(lo+grain, n))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	work := func() {
		for {
			k := int(next.Add(1) - 1)
			if k >= chunks {
				return
			}
			lo := k * grain
			body(lo, min(lo+grain, n))
		}
	}
	wg.Add(t - 1)
	for range t - 1 {
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
}

// Chunks reports how many chunks For(n, grain, ...) makes.
func Chunks(n, grain int) int {
	if n <= 0 {
		return 0
	}
	if grain < 1 {
		grain = 1
	}
	return (n + grain - 1) / grain
}
