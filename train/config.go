package train

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// FullBatch, as Config.Batch, trains on the whole training set at every
// step: full-batch gradient descent.
const FullBatch = -1

// The defaults a zero Config field stands for.
const (
	DefaultData      = "mnist"
	DefaultOpt       = "sgd:lr=0.05,momentum=0.9"
	DefaultBatch     = 128
	DefaultEpochs    = 10
	DefaultAct       = "relu"
	DefaultHidden    = 128
	DefaultEvalBatch = 1000
)

// Config is one training job. The zero value is the default job: an MLP
// 784-128-10 with ReLU on MNIST, cross-entropy, SGD with lr 0.05 and
// momentum 0.9 (PyTorch's torch.optim.SGD(model.parameters(), lr=0.05,
// momentum=0.9)), batch 128, shuffled, 10 epochs, seed 0, evaluated on
// the test set after every epoch: about 98% test accuracy in a few
// seconds.
//
// The json tags are the names the command line's flags and the
// checkpoint's state use.
type Config struct {
	// Data is the data set: "mnist" (the default; MNIST from the Go module
	// cache, see data.FetchMNIST), a directory holding MNIST's four IDX
	// files (plain or gzipped), a CSV file (FILE.csv: one label column,
	// see Label, the rest features), or a synthetic set with options as
	// key=value: "spirals[:n=3000,arms=3,noise=0.2,sweep=4,test=600]",
	// "blobs[:n=3000,centers=3,dim=2,std=1,box=10,test=600]",
	// "linreg[:n=1000,dim=10,outputs=1,noise=0.1,bias=true,test=200]"
	// (drawn from Seed; test examples are held out of the same draw).
	Data string `json:"data"`
	// Label picks a CSV file's label column by header name or 0-based
	// index (negative counts from the end: -1 is the last); empty means
	// the first column.
	Label string `json:"label,omitempty"`

	// Model is "mlp:IN-H1-...-OUT" (Linear layers with Act between them;
	// IN must be the data's features and OUT its classes or targets),
	// "mlp" (one hidden layer of 128), "linear" (one Linear layer:
	// logistic or linear regression) or "cnn:lenet5" (LeNet-5: conv 5×5×6
	// padding 2, max-pool 2, conv 5×5×16, max-pool 2, Linear 120, 84, OUT,
	// on images [C H W], or 784 features read as [1 28 28]). Empty means
	// "mlp". Layers are initialised as PyTorch initialises them, from Seed.
	Model string `json:"model"`
	// Act is the hidden activation: relu (default), sigmoid, tanh, gelu,
	// leaky_relu.
	Act string `json:"act"`
	// Loss is ce (cross-entropy on logits; the default for classes), mse
	// (the default for regression targets; classes are one-hot) or bce
	// (binary cross-entropy on logits, BCEWithLogitsLoss; classes are
	// one-hot).
	Loss string `json:"loss"`

	// Opt is the optimizer spec with PyTorch's keyword names, as
	// "sgd:lr=0.05,momentum=0.9" (the default) or "adam:lr=1e-3"; see
	// optim.New.
	Opt string `json:"opt"`
	// Schedule is a learning-rate schedule spec, as
	// "cosine:T_max=4690" (see schedule.New), stepped after every
	// optimizer step; empty means a constant rate.
	Schedule string `json:"schedule,omitempty"`
	// ClipNorm, when positive, clips the gradients' global L2 norm before
	// each step (torch.nn.utils.clip_grad_norm_).
	ClipNorm float64 `json:"clip_norm,omitempty"`
	// Accumulate, when above 1, averages the gradients of that many
	// batches before each optimizer step (optim.NewMultiSteps).
	Accumulate int `json:"accumulate,omitempty"`

	// Batch is the batch size: FullBatch (−1) for full-batch gradient
	// descent, 1 for stochastic gradient descent, anything between for
	// mini-batch; 0 means 128. Mini-batches are drawn in a new random
	// order every epoch.
	Batch int `json:"batch"`
	// DropLast skips each epoch's last batch when it is short.
	DropLast bool `json:"drop_last,omitempty"`
	// Epochs is how many passes over the training set to train (0 means
	// 10), unless Steps is set.
	Epochs int `json:"epochs"`
	// Steps, when positive, is how many optimizer steps to train,
	// whatever the epochs.
	Steps int `json:"steps,omitempty"`
	// Seed seeds the initial weights, the shuffling and synthetic data.
	Seed uint64 `json:"seed"`
	// Threads, when positive, is how many threads the kernels use; 0
	// leaves the current setting (all cores by default). Results do not
	// depend on it.
	Threads int `json:"threads,omitempty"`

	// Normalize standardises the features with the training set's mean
	// and standard deviation (MNIST's customary 0.1307 and 0.3081 for
	// mnist; one pair over all pixels for other images; per feature for
	// tables), applied to every split.
	Normalize bool `json:"normalize,omitempty"`
	// Val holds the last Val training examples out for validation.
	Val int `json:"val,omitempty"`
	// EvalEvery evaluates every EvalEvery optimizer steps; 0 means at the
	// end of every epoch.
	EvalEvery int `json:"eval_every,omitempty"`
	// EvalBatch is the batch size of evaluation (0 means 1000).
	EvalBatch int `json:"eval_batch,omitempty"`
	// SnapshotEvery, when positive, saves the model's weights every
	// SnapshotEvery optimizer steps, at step 0 (the initialisation) and at
	// the last step, as Out/trajectory/step-NNNNNNNN.safetensors (the
	// format of the checkpoint's model file): the training trajectory
	// that a loss landscape's principal components are taken from (see
	// Trajectory). It needs Out.
	SnapshotEvery int `json:"snapshot_every,omitempty"`
	// TargetAcc, when positive, stops training at the first evaluation
	// whose accuracy (on the validation set, or the test set without one)
	// is at least TargetAcc; Result.TimeToTargetS says when.
	TargetAcc float64 `json:"target_acc,omitempty"`

	// Out, when set, is the directory that receives checkpoints, metrics
	// and plots (created if missing).
	Out string `json:"-"`
	// Resume, when set, is a checkpoint directory (an earlier run's Out)
	// to continue from: the model, optimizer, schedule, data order and
	// counters come back as they were, and training goes on to Epochs or
	// Steps. Fields that shape the run must be left zero or equal the
	// checkpoint's; Epochs, Steps, EvalEvery, EvalBatch, TargetAcc,
	// SnapshotEvery and Threads may change (zero keeps the saved value).
	// Out defaults to Resume. A resumed run adds to the trajectory in Out:
	// snapshots of steps after the checkpoint's (left by a crash) are
	// dropped and made again, and so is the snapshot that only marked
	// where the stopped session ended, so that with the same
	// SnapshotEvery the trajectory is the one an uninterrupted run
	// writes. Resuming with SnapshotEvery where the run had none starts
	// the trajectory at the resumed step.
	Resume string `json:"-"`
}

// Activations lists the values Config.Act accepts.
var Activations = []string{"relu", "sigmoid", "tanh", "gelu", "leaky_relu"}

// Losses lists the values Config.Loss accepts.
var Losses = []string{"ce", "mse", "bce"}

// check reports the first field that holds a value no job can use,
// naming it and what is allowed. It does not depend on the data.
func (c *Config) check() error {
	switch {
	case c.Batch < FullBatch:
		return fmt.Errorf("batch %d: want a size >= 1, or full (%d)", c.Batch, FullBatch)
	case c.Epochs < 0:
		return fmt.Errorf("epochs %d: want >= 0 (0 means %d)", c.Epochs, DefaultEpochs)
	case c.Steps < 0:
		return fmt.Errorf("steps %d: want >= 0 (0: train for epochs)", c.Steps)
	case c.Accumulate < 0:
		return fmt.Errorf("accumulate %d: want >= 1 batches per step (0 means 1)", c.Accumulate)
	case !(c.ClipNorm >= 0) || math.IsInf(c.ClipNorm, 0):
		return fmt.Errorf("clip-norm %v: want a finite value > 0 (0: no clipping)", c.ClipNorm)
	case c.Threads < 0:
		return fmt.Errorf("threads %d: want >= 1 (0: all cores)", c.Threads)
	case c.Val < 0:
		return fmt.Errorf("val %d: want >= 0 examples", c.Val)
	case c.EvalEvery < 0:
		return fmt.Errorf("eval-every %d: want >= 1 steps (0: every epoch)", c.EvalEvery)
	case c.EvalBatch < 0:
		return fmt.Errorf("eval batch %d: want >= 1 (0 means %d)", c.EvalBatch, DefaultEvalBatch)
	case c.SnapshotEvery < 0:
		return fmt.Errorf("snapshot-every %d: want >= 1 steps (0: no snapshots)", c.SnapshotEvery)
	case c.SnapshotEvery > 0 && c.Out == "" && c.Resume == "":
		return fmt.Errorf("snapshot-every %d: the snapshots need a directory: give --out DIR (Config.Out)", c.SnapshotEvery)
	case !(c.TargetAcc >= 0 && c.TargetAcc <= 1):
		return fmt.Errorf("target-acc %v: want an accuracy in (0, 1] (0: no target)", c.TargetAcc)
	}
	if c.Act != "" && !slices.Contains(Activations, c.Act) {
		return fmt.Errorf("activation %q: want one of %s", c.Act, strings.Join(Activations, ", "))
	}
	if c.Loss != "" && !slices.Contains(Losses, c.Loss) {
		return fmt.Errorf("loss %q: want one of %s", c.Loss, strings.Join(Losses, ", "))
	}
	return nil
}

// withDefaults returns c with the defaults that do not depend on the
// data filled in.
func (c Config) withDefaults() Config {
	if c.Data == "" {
		c.Data = DefaultData
	}
	if c.Act == "" {
		c.Act = DefaultAct
	}
	if c.Opt == "" {
		c.Opt = DefaultOpt
	}
	if c.Batch == 0 {
		c.Batch = DefaultBatch
	}
	if c.Epochs == 0 {
		c.Epochs = DefaultEpochs
	}
	if c.Accumulate == 0 {
		c.Accumulate = 1
	}
	if c.EvalBatch == 0 {
		c.EvalBatch = DefaultEvalBatch
	}
	return c
}

// mergeResume returns the checkpoint's configuration saved, with the
// fields of c that may change on resume taken from c when set. A field
// that shapes the run, set in c to another value than saved, is an
// error naming it. The model is checked once the data is loaded (a spec
// such as "mlp" resolves against the data).
func mergeResume(saved, c Config) (Config, error) {
	type field struct {
		name     string
		set      bool
		same     bool
		got, was any
	}
	fields := []field{
		{"data", c.Data != "", c.Data == saved.Data, c.Data, saved.Data},
		{"label", c.Label != "", c.Label == saved.Label, c.Label, saved.Label},
		{"act", c.Act != "", c.Act == saved.Act, c.Act, saved.Act},
		{"loss", c.Loss != "", c.Loss == saved.Loss, c.Loss, saved.Loss},
		{"opt", c.Opt != "", c.Opt == saved.Opt, c.Opt, saved.Opt},
		{"schedule", c.Schedule != "", c.Schedule == saved.Schedule, c.Schedule, saved.Schedule},
		{"clip-norm", c.ClipNorm != 0, c.ClipNorm == saved.ClipNorm, c.ClipNorm, saved.ClipNorm},
		{"accumulate", c.Accumulate != 0, c.Accumulate == saved.Accumulate, c.Accumulate, saved.Accumulate},
		{"batch", c.Batch != 0, c.Batch == saved.Batch, c.Batch, saved.Batch},
		{"drop-last", c.DropLast, c.DropLast == saved.DropLast, c.DropLast, saved.DropLast},
		{"seed", c.Seed != 0, c.Seed == saved.Seed, c.Seed, saved.Seed},
		{"normalize", c.Normalize, c.Normalize == saved.Normalize, c.Normalize, saved.Normalize},
		{"val", c.Val != 0, c.Val == saved.Val, c.Val, saved.Val},
	}
	for _, f := range fields {
		if f.set && !f.same {
			return Config{}, fmt.Errorf("the checkpoint was trained with %s %v, not %v: leave it unset to resume, or start a new run", f.name, f.was, f.got)
		}
	}
	out := saved
	out.Out, out.Resume = c.Out, c.Resume
	if out.Out == "" {
		out.Out = c.Resume
	}
	if c.Epochs != 0 || c.Steps != 0 {
		out.Epochs, out.Steps = c.Epochs, c.Steps
		if out.Epochs == 0 {
			out.Epochs = DefaultEpochs
		}
	}
	if c.EvalEvery != 0 {
		out.EvalEvery = c.EvalEvery
	}
	if c.EvalBatch != 0 {
		out.EvalBatch = c.EvalBatch
	}
	if c.TargetAcc != 0 {
		out.TargetAcc = c.TargetAcc
	}
	if c.SnapshotEvery != 0 {
		out.SnapshotEvery = c.SnapshotEvery
	}
	out.Threads = c.Threads
	return out, nil
}
