// Package train runs descent's main job: training a network on a data set
// with an optimizer, from one Config, with evaluation, checkpoints that
// resume bit for bit, and metrics.
//
//	res, err := train.Run(ctx, train.Config{}, nil) // an MLP on MNIST
//	fmt.Printf("test accuracy %.4f after %.1f s\n", *res.TestAcc, res.TrainS)
//
// The zero Config is the default job: an MLP 784-128-10 with ReLU trained
// on MNIST (found in the Go module cache, see data.FetchMNIST) with SGD,
// lr 0.05 and momentum 0.9, batch 128, for 10 epochs, reaching about 98%
// test accuracy. Every field changes one thing, with the names PyTorch
// users know: the data set (MNIST, a directory of IDX files, a CSV file,
// or the synthetic spirals, blobs and linreg), the model (mlp:784-128-10,
// cnn:lenet5, linear), the activation, the loss, the optimizer and
// learning-rate schedule as spec strings, gradient clipping and
// accumulation, the batch size (which picks full-batch, stochastic or
// mini-batch gradient descent), how long to train, the seed, the threads,
// normalization, a validation split, how often to evaluate and an
// accuracy to stop at.
//
// # Steps and epochs
//
// A step is one optimizer step. With gradient accumulation (Accumulate
// k) a step takes k batches; otherwise one. Schedules are stepped once per
// optimizer step (so a cosine schedule's T_max counts steps, not epochs),
// except ReduceLROnPlateau, which is stepped at each evaluation with the
// validation loss (or, without a validation set, the mean training loss
// since the previous evaluation). EvalEvery counts steps; with EvalEvery 0
// the model is evaluated at the end of every epoch. A run always ends with
// an evaluation.
//
// # Time
//
// Result.TrainS counts training only: evaluation, checkpoints and the
// start-up (loading data, building the model) are excluded, as AlgoPerf
// and PyTorch's reference scripts count. TimeToTargetS is TrainS at the
// first evaluation that reached TargetAcc.
//
// # Checkpoints
//
// With Out set, Run writes a checkpoint at every evaluation and when it
// stops (done, target reached, or ctx cancelled): the model's weights as
// safetensors under PyTorch's names (loadable with PyTorch's safetensors
// and load_state_dict), the optimizer's state with the schedule's in the
// same file, and the loop's state (loader position and shuffle generator,
// step and epoch counters, the configuration, normalization statistics)
// as JSON, each in a step-numbered directory, each file written to a
// temporary file, synced and renamed; a small manifest naming them and
// their SHA-256 sums is written last and replaces the previous one. So a
// kill at any moment leaves the last complete checkpoint, and Resume from
// it continues to exactly the weights a run that never stopped reaches.
// Out also receives the metrics (metrics.jsonl and metrics.csv) and the
// loss and accuracy curves (loss.png, accuracy.png).
//
// With SnapshotEvery set, Out/trajectory receives the model's weights
// every SnapshotEvery steps, at the initialisation and at the last step,
// each as step-NNNNNNNN.safetensors in the model file's format, written
// as atomically as the checkpoint's files: the training trajectory that
// Trajectory lists and package landscape projects on its principal
// components. A resumed run extends the trajectory to the one an
// uninterrupted run writes.
//
// LoadHessian and AnalyzeCheckpoint take the Hessian of a checkpoint's
// training loss (package hessian) with the model in float64.
//
// Run never prints: it reports progress through the function it is given.
package train
