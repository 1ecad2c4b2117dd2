package sweep_test

import (
	"context"
	"fmt"
	"log"

	"github.com/descent-ml/descent/sweep"
	"github.com/descent-ml/descent/train"
)

// A grid over the learning rate of a small network on the blobs: the
// trials are ranked by test accuracy, the one whose training blew up
// last. With Out set, the results would go to Out/results.jsonl and a
// rerun would skip the finished trials.
func ExampleRun() {
	cfg := sweep.Config{
		Base: train.Config{Data: "blobs:n=300", Model: "mlp:2-16-3", Opt: "sgd:momentum=0.9", Epochs: 2},
		Grid: []sweep.Grid{{Key: "lr", Values: []string{"0.05", "1e20"}}},
	}
	res, err := sweep.Run(context.Background(), cfg, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ranked by", res.Metric)
	for _, t := range res.Trials {
		fmt.Println(t.Rank, t.Params, t.Status, t.Config.Opt)
	}
	// Output:
	// ranked by test_acc
	// 1 lr=0.05 done sgd:momentum=0.9,lr=0.05
	// 2 lr=1e20 diverged sgd:momentum=0.9,lr=1e20
}

// Keys that name a flag of `descent train` set the job; others are the
// optimizer's hyperparameters. Spec values keep their own commas.
func ExampleConfig_Trials() {
	g1, _ := sweep.ParseGrid("opt=sgd:momentum=0.9,adam")
	g2, _ := sweep.ParseGrid("lr=0.01,0.1")
	g3, _ := sweep.ParseGrid("batch=32")
	trials, err := sweep.Config{Grid: []sweep.Grid{g1, g2, g3}}.Trials()
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range trials {
		fmt.Printf("%s -> batch %d, opt %s\n", t.Params, t.Config.Batch, t.Config.Opt)
	}
	// Output:
	// opt=sgd:momentum=0.9, lr=0.01, batch=32 -> batch 32, opt sgd:momentum=0.9,lr=0.01
	// opt=sgd:momentum=0.9, lr=0.1, batch=32 -> batch 32, opt sgd:momentum=0.9,lr=0.1
	// opt=adam, lr=0.01, batch=32 -> batch 32, opt adam:lr=0.01
	// opt=adam, lr=0.1, batch=32 -> batch 32, opt adam:lr=0.1
}
