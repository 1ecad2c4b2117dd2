package train_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/descent-ml/descent/hessian"
	"github.com/descent-ml/descent/train"
)

// Training a small network on the spirals: the fields left zero take
// their defaults (ReLU, cross-entropy, batch 128, evaluation on the test
// split after every epoch).
func ExampleRun() {
	cfg := train.Config{
		Data:   "spirals:n=600",
		Model:  "mlp:2-64-3",
		Opt:    "adam:lr=0.01",
		Epochs: 60,
	}
	res, err := train.Run(context.Background(), cfg, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d steps, test accuracy above 90%%: %v\n", res.Steps, *res.TestAcc > 0.9)
	// Output:
	// 300 steps, test accuracy above 90%: true
}

// Progress comes as events; a checkpoint directory makes the run
// resumable, and Evaluate measures the saved model.
func ExampleEvaluate() {
	dir, err := os.MkdirTemp("", "descent-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cfg := train.Config{Data: "blobs:n=500", Epochs: 2, Out: dir}
	_, err = train.Run(context.Background(), cfg, func(e train.Event) {
		if e.Kind == train.EventEval {
			fmt.Printf("epoch %.0f evaluated\n", e.Epoch)
		}
	})
	if err != nil {
		log.Fatal(err)
	}
	// Two more epochs from the checkpoint.
	res, err := train.Run(context.Background(), train.Config{Resume: dir, Epochs: 4}, nil)
	if err != nil {
		log.Fatal(err)
	}
	ev, err := train.Evaluate(context.Background(), train.EvalConfig{Checkpoint: dir})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("resumed at step %d, ended at step %d; %d %s examples, accuracy %v\n",
		res.ResumedAt, res.Steps, ev.Examples, ev.Split, *ev.Acc == *res.TestAcc)
	// Output:
	// epoch 1 evaluated
	// epoch 2 evaluated
	// resumed at step 8, ended at step 16; 100 test examples, accuracy true
}

// The Hessian of a checkpoint's training loss: its top eigenvalues,
// trace, density and verdict, and the sharpness at the checkpoint's own
// learning rate.
func ExampleAnalyzeCheckpoint() {
	dir, err := os.MkdirTemp("", "descent-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if _, err := train.Run(context.Background(), train.Config{Data: "blobs:n=500", Epochs: 2, Out: dir}, nil); err != nil {
		log.Fatal(err)
	}
	rep, err := train.AnalyzeCheckpoint(context.Background(), train.HessianRunConfig{
		HessianConfig: train.HessianConfig{Checkpoint: dir, Samples: 200},
		Analyze:       hessian.Config{Power: hessian.PowerConfig{K: 3}, Momentum: -1},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d examples, %d parameters, %d top eigenvalues, sharpness at lr %g with momentum %g\n",
		rep.Examples, rep.Dim, len(rep.TopEigenvalues), rep.Sharpness.LR, rep.Sharpness.Momentum)
	// Output:
	// 200 examples, 771 parameters, 3 top eigenvalues, sharpness at lr 0.05 with momentum 0.9
}

// Snapshots of the weights every few steps make the training trajectory
// that Trajectory lists and that descent landscape --mode pca draws.
func ExampleTrajectory() {
	dir, err := os.MkdirTemp("", "descent-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cfg := train.Config{Data: "blobs:n=500", Model: "mlp:2-8-3", Steps: 22, SnapshotEvery: 5, Out: dir}
	if _, err := train.Run(context.Background(), cfg, nil); err != nil {
		log.Fatal(err)
	}
	snaps, err := train.Trajectory(dir)
	if err != nil {
		log.Fatal(err)
	}
	net, err := train.BuildModel(cfg.Model, "relu", []int{2}, 3, 0)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range snaps {
		if err := s.Load(net); err != nil {
			log.Fatal(err)
		}
		fmt.Print(s.Step, " ")
	}
	fmt.Println()
	// Output:
	// 0 5 10 15 20 22
}
