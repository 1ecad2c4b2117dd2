package demo

import (
	"math"
	"testing"
)

func TestBatchSizes(t *testing.T) {
	rep := runTrainDemo(t, "batch-sizes", Config{}, "batch-sizes-epochs", "batch-sizes-time")
	n := rep.Numbers
	trCheckClaims(t, n, []trClaim{
		{"per epoch, batch 1 is ahead of full batch after one epoch", n["sgd_loss_epoch1"] < 0.5*n["full_loss_epoch1"]},
		{"per epoch, mini-batches are ahead of full batch after one epoch", n["minibatch_loss_epoch1"] < 0.5*n["full_loss_epoch1"]},
		{"mini-batches end below full batch", n["minibatch_final_loss"] < n["full_final_loss"]},
		{"mini-batches end near batch 1", n["minibatch_final_loss"] < 1.5*n["sgd_final_loss"]},
		{"every run learns from the common start", n["full_final_loss"] < n["initial_loss"] && n["sgd_final_loss"] < n["initial_loss"]},
		{"full batch: one step an epoch", n["full_steps_per_epoch"] == 1},
		{"batch 1: one step an example", n["sgd_steps_per_epoch"] == 2000},
		{"one example's loss scatters more than a batch's", n["sgd_step_loss_std"] > n["minibatch_step_loss_std"]},
		{"mini-batches and batch 1 reach the target loss", n["minibatch_steps_to_target"] > 0 && n["sgd_steps_to_target"] > 0},
	})
	for _, k := range []string{"sgd_examples_per_s", "minibatch_examples_per_s", "full_examples_per_s", "sgd_time_to_target_s"} {
		if !(n[k] > 0) {
			t.Errorf("%s = %v, want a time measured", k, n[k])
		}
	}
}

func TestBatchSizesDivisorNear(t *testing.T) {
	for _, tc := range []struct{ n, want, d int }{
		{60000, 20, 3000}, {600, 20, 30}, {1, 20, 1}, {469, 20, 67}, {100, 10, 10}, {7, 20, 1},
	} {
		if got := trDivisorNear(tc.n, tc.want); got != tc.d || tc.n%got != 0 {
			t.Errorf("trDivisorNear(%d, %d) = %d, want %d", tc.n, tc.want, got, tc.d)
		}
	}
}

func TestBatchSizesRoundSig(t *testing.T) {
	for _, tc := range []struct{ v, want float64 }{
		{0.3087, 0.31}, {0.02321, 0.023}, {1.549, 1.5}, {123, 120}, {0, 0},
	} {
		if got := trRoundSig(tc.v, 2); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("trRoundSig(%v, 2) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestBatchSizesCancelled(t *testing.T) { trCheckCancelled(t, "batch-sizes") }
