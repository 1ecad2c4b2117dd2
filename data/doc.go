// Package data holds training data for descent: a Dataset of float32
// examples with class labels or regression targets, readers for the IDX
// format (MNIST) and CSV files, seeded synthetic sets, normalization, and a
// Loader that deals the examples out in batches.
//
// A Dataset is plain memory: N examples of D float32 features each, stored
// row-major in one []float32, with the shape of one example (for example
// [1 28 28] for an MNIST image). It depends on no other descent package.
//
// The Loader covers the three kinds of gradient descent with one setting,
// the batch size: the whole training set (full-batch gradient descent), one
// example a step (stochastic gradient descent), or anything between
// (mini-batch). It shuffles each epoch from a seed, and its position can be
// saved as JSON and restored so that a resumed run sees exactly the batches
// the uninterrupted run would have seen.
//
// Readers never panic on bad input: a truncated or inconsistent file is
// reported as an error naming the file and the place in it (the byte offset
// for IDX, the line and column for CSV).
package data
