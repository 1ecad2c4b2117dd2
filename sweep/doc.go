// Package sweep runs hyperparameter sweeps over training jobs: the loop of
// changing the hyperparameters step by step until the results are good
// enough, done for the user.
//
// A sweep is a base job (a train.Config) and the hyperparameters to vary:
// a grid ([Grid], every combination of the listed values) and a random
// search ([Range], Config.Random draws, each crossed with the grid). A key
// is either a flag of `descent train` (batch, epochs, steps, model, act,
// loss, opt, schedule, seed, clip-norm, accumulate, normalize, data, ...),
// which sets that field of the job, or any other name, which is an
// optimizer hyperparameter written into the job's optimizer spec (lr,
// momentum, weight_decay, nesterov, betas, eps, ...); "batch=full" is
// full-batch training and "schedule=none" no schedule. Every trial's job
// is checked before the first one runs, so that a misspelt key or a value
// the optimizer refuses is an error naming it, not a failure an hour in.
//
// Trials run in parallel workers. Each finished trial is appended to
// Out/results.jsonl as one JSON line (its parameters, its job, its
// status, the training result, the seconds it took), synced to disk
// before the next; running the same sweep again with the same Out reads
// the file back and skips the trials it holds, matched on their whole
// job, so an interrupted sweep resumes where it stopped. Trials that
// failed (status "failed") are run again; trials whose training diverged
// (status "diverged") are not.
//
// The trials are ranked by a metric (see [Metrics]): accuracies are
// maximised, losses and times minimised; trials without the metric come
// after those with it, failed ones after those, diverged ones last.
// [Result.WriteTable] prints the ranking and [Result.Plot] draws the
// metric against each swept numeric hyperparameter.
package sweep
