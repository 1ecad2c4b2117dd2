// Package parallel splits loops over the machine's cores.
//
// Work is cut into fixed-size chunks whose boundaries do not depend on the
// number of threads, so a reduction that combines per-chunk results in chunk
// order gives bit-identical answers whatever the thread count. Loops run on
// a pool of long-lived workers: Run with a Task kept by the caller does not
// allocate.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

var threads atomic.Int64

// Threads reports how many goroutines a loop may use; by default
// GOMAXPROCS.
func Threads() int {
	if t := threads.Load(); t > 0 {
		return int(t)
	}
	return runtime.GOMAXPROCS(0)
}

// SetThreads sets how many goroutines a loop may use; n <= 0 restores the
// default (GOMAXPROCS). It returns the previous setting.
func SetThreads(n int) int {
	prev := Threads()
	if n < 0 {
		n = 0
	}
	threads.Store(int64(n))
	return prev
}

// Task is the body of a loop: Run(lo, hi) handles elements [lo, hi).
type Task interface {
	Run(lo, hi int)
}

// Func adapts a function to a Task.
type Func func(lo, hi int)

// Run calls f(lo, hi).
func (f Func) Run(lo, hi int) { f(lo, hi) }

// job is one loop handed to the workers.
type job struct {
	task   Task
	n      int
	grain  int
	chunks int
	next   atomic.Int64
	// pending counts helpers that have not finished with the job; the
	// caller of Run waits for it to reach zero.
	pending atomic.Int64
}

func (j *job) work() {
	for {
		k := int(j.next.Add(1) - 1)
		if k >= j.chunks {
			return
		}
		lo := k * j.grain
		j.task.Run(lo, min(lo+j.grain, j.n))
	}
}

var (
	poolMu  sync.Mutex
	workers int
	jobs    = make(chan *job, 64)

	// freeJobs recycles jobs. A plain list rather than a sync.Pool: the
	// pool may drop what it is given (it does so on purpose under the race
	// detector), and a dropped job is an allocation in a loop that must
	// not allocate.
	freeMu   sync.Mutex
	freeJobs []*job
)

func getJob() *job {
	freeMu.Lock()
	defer freeMu.Unlock()
	if n := len(freeJobs); n > 0 {
		j := freeJobs[n-1]
		freeJobs = freeJobs[:n-1]
		return j
	}
	return new(job)
}

func putJob(j *job) {
	freeMu.Lock()
	freeJobs = append(freeJobs, j)
	freeMu.Unlock()
}

// ensureWorkers starts workers until n are running.
func ensureWorkers(n int) {
	poolMu.Lock()
	defer poolMu.Unlock()
	for workers < n {
		workers++
		go func() {
			for {
				j := nextJob()
				j.work()
				j.pending.Add(-1) // the last touch of j
			}
		}()
	}
}

// spinFor is how long an idle worker polls for the next job before it
// blocks. A blocked worker takes tens of microseconds to wake (longer on a
// virtual machine whose idle vCPU has halted), as long as a whole chunk of
// a layer-sized matrix product; polling keeps workers ready for the next
// loop of a training step, which follows within microseconds.
const spinFor = 200 * time.Microsecond

// nextJob returns the next job, polling for spinFor before blocking.
func nextJob() *job {
	var start time.Time
	for i := 0; ; i++ {
		select {
		case j := <-jobs:
			return j
		default:
		}
		switch {
		case i == 0:
			start = time.Now()
		case i%256 == 0:
			if time.Since(start) > spinFor {
				return <-jobs
			}
			runtime.Gosched() // let anything else queued on this P run
		}
	}
}

// Run calls t.Run over [0, n) in chunks of at most grain elements, spread
// over Threads() goroutines (the caller's included). Chunk k always covers
// [k*grain, min((k+1)*grain, n)). Small loops and a single thread run
// inline.
func Run(n, grain int, t Task) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	chunks := (n + grain - 1) / grain
	th := min(Threads(), chunks)
	if th <= 1 {
		for lo := 0; lo < n; lo += grain {
			t.Run(lo, min(lo+grain, n))
		}
		return
	}
	ensureWorkers(th - 1)
	j := getJob()
	j.task, j.n, j.grain, j.chunks = t, n, grain, chunks
	j.next.Store(0)
	j.pending.Store(int64(th - 1))
	for range th - 1 {
		jobs <- j
	}
	j.work()
	// Helpers are finishing their last chunk (or arriving to find none
	// left): wait without parking, so no goroutine is readied onto a
	// helper's P behind its polling. While waiting, run queued jobs: a Run
	// nested inside another's task may have queued this very job where no
	// idle worker will take it.
	for j.pending.Load() != 0 {
		select {
		case q := <-jobs:
			q.work()
			q.pending.Add(-1)
		default:
			runtime.Gosched()
		}
	}
	j.task = nil
	putJob(j)
}

// For is Run with a function body.
func For(n, grain int, body func(lo, hi int)) {
	Run(n, grain, Func(body))
}

// Chunks reports how many chunks Run(n, grain, ...) makes.
func Chunks(n, grain int) int {
	if n <= 0 {
		return 0
	}
	if grain < 1 {
		grain = 1
	}
	return (n + grain - 1) / grain
}
