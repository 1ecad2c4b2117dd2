package parallel

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCoversEveryChunkOnce(t *testing.T) {
	defer SetThreads(SetThreads(0))
	for _, tc := range []struct{ n, grain, threads int }{
		{0, 4, 2}, {1, 4, 2}, {10, 3, 1}, {10, 3, 2}, {1000, 7, 4}, {65536, 1 << 15, 2},
	} {
		SetThreads(tc.threads)
		hits := make([]atomic.Int32, tc.n)
		For(tc.n, tc.grain, func(lo, hi int) {
			if lo%tc.grain != 0 || hi-lo > tc.grain {
				t.Errorf("n=%d grain=%d: chunk [%d,%d) misaligned", tc.n, tc.grain, lo, hi)
			}
			for i := lo; i < hi; i++ {
				hits[i].Add(1)
			}
		})
		for i := range hits {
			if h := hits[i].Load(); h != 1 {
				t.Fatalf("n=%d grain=%d threads=%d: element %d visited %d times", tc.n, tc.grain, tc.threads, i, h)
			}
		}
		if got := Chunks(tc.n, tc.grain); tc.n > 0 && got != (tc.n+tc.grain-1)/tc.grain {
			t.Fatalf("Chunks(%d,%d) = %d", tc.n, tc.grain, got)
		}
	}
}

type sumTask struct{ out []int64 }

func (s *sumTask) Run(lo, hi int) {
	for i := lo; i < hi; i++ {
		s.out[i] = int64(i)
	}
}

func TestRunDoesNotAllocate(t *testing.T) {
	defer SetThreads(SetThreads(2))
	task := &sumTask{out: make([]int64, 1<<16)}
	Run(len(task.out), 1<<12, task) // start the workers
	if a := testing.AllocsPerRun(100, func() { Run(len(task.out), 1<<12, task) }); a > 0 {
		t.Fatalf("Run allocates %v times per call", a)
	}
}

// TestNestedRun: a Run inside another Run's task completes (the waiting
// caller runs queued jobs itself) and covers every element.
func TestNestedRun(t *testing.T) {
	defer SetThreads(SetThreads(2))
	done := make(chan struct{})
	var total atomic.Int64
	go func() {
		For(8, 1, func(lo, hi int) {
			For(1000, 10, func(lo, hi int) { total.Add(int64(hi - lo)) })
		})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("nested Run deadlocked")
	}
	if got := total.Load(); got != 8000 {
		t.Fatalf("nested Run covered %d elements, want 8000", got)
	}
}
