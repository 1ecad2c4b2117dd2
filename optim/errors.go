package optim

import "errors"

// errSparse is returned by optimizers that do not take sparse gradients.
var errSparse = errors.New("sparse gradients are not supported; use SGD, Adagrad or SparseAdam")
