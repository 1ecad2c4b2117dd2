package schedule_test

import (
	"fmt"

	"github.com/descent-ml/descent/optim"
	"github.com/descent-ml/descent/optim/schedule"
)

// Adam on f(w) = ½‖w‖² with its learning rate annealed from 0.1 to 0.01
// along a cosine over 5 epochs (the numbers are PyTorch's).
func Example() {
	w := []float64{1, -2}
	g := make([]float64, len(w))
	opt, err := optim.NewAdam([]*optim.Param{optim.NewParam("w", w, g)}, optim.AdamConfig{LR: 0.1})
	if err != nil {
		panic(err)
	}
	sched, err := schedule.NewCosineAnnealingLR(opt, schedule.CosineAnnealingLRConfig{TMax: 5, EtaMin: 0.01})
	if err != nil {
		panic(err)
	}
	for epoch := range 5 {
		lr := sched.LastLR()[0] // the rate this epoch's steps use
		copy(g, w)              // ∇f(w) = w
		if err := opt.Step(); err != nil {
			panic(err)
		}
		if err := sched.Step(); err != nil {
			panic(err)
		}
		fmt.Printf("epoch %d: lr %.4f  w = [%.4f %.4f]\n", epoch, lr, w[0], w[1])
	}
	fmt.Printf("final lr %.4f\n", sched.LastLR()[0])
	// Output:
	// epoch 0: lr 0.1000  w = [0.9000 -1.9000]
	// epoch 1: lr 0.0914  w = [0.8090 -1.8087]
	// epoch 2: lr 0.0689  w = [0.7408 -1.7401]
	// epoch 3: lr 0.0411  w = [0.7005 -1.6993]
	// epoch 4: lr 0.0186  w = [0.6824 -1.6809]
	// final lr 0.0100
}

// A schedule from a command-line spec, saved and restored with its
// optimizer.
func ExampleNew() {
	w := []float64{1}
	g := []float64{0.5}
	opt, _ := optim.NewSGD([]*optim.Param{optim.NewParam("w", w, g)}, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	sched, err := schedule.New(opt, "step:step_size=2,gamma=0.5")
	if err != nil {
		panic(err)
	}
	for range 3 {
		opt.Step()
		sched.Step()
	}
	sd, _ := schedule.StateDict(opt, sched) // sd.SaveFile(path) for a checkpoint

	opt2, _ := optim.NewSGD([]*optim.Param{optim.NewParam("w", w, g)}, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	sched2, _ := schedule.New(opt2, "step:step_size=2,gamma=0.5")
	if err := schedule.LoadStateDict(opt2, sched2, sd); err != nil {
		panic(err)
	}
	opt2.Step()
	sched2.Step()
	fmt.Println(sched2.LastLR())
	// Output: [0.025]
}
