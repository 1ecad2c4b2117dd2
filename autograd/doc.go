// Package autograd is descent's reverse-mode automatic differentiation:
// a tape of tensor operations, run backward to the gradients of
// parameters, generic over float32 (training) and float64 (gradient
// checks, Hessians).
//
// # Graphs, values, parameters
//
// A [Graph] records operations as they run (define-by-run, like PyTorch):
// each method computes its result at once with package tensor's kernels
// and notes what its backward rule needs. A [Var] is a value: a parameter
// made by [NewParam], which lives across steps and owns its Grad buffer,
// an input wrapped by [Graph.Input], or the result of an operation.
//
//	g := autograd.NewGraph[float32]()
//	w := autograd.NewParam("w", tensor.Zeros[float32](10, 784))
//	for each batch {
//		g.Reset()
//		logits := g.MatMul(g.Input(x), w, false, true)
//		loss := g.CrossEntropy(logits, labels, autograd.ReduceMean)
//		if err := g.Backward(loss); err != nil { … }
//		… an optimizer updates w.Value.Data from w.Grad.Data …
//	}
//
// Backward adds each parameter's gradient into its Grad buffer, as
// PyTorch accumulates into .grad; zero it (Var.ZeroGrad, or the
// optimizer's ZeroGrad on parameters aliasing the same buffers) between
// steps. Package optim knows nothing of this package: a parameter's
// Value.Data and Grad.Data are the slices optim.NewParam takes.
//
// # Buffers are reused
//
// The graph is also the arena of every value and gradient it computes.
// Reset forgets the step's operations and hands their buffers back; the
// next step's operations get the same buffers in the same order, so a
// training loop with a fixed model and batch shape allocates nothing after
// its first step (a smaller last batch reuses the larger buffers). Values
// made by a graph are valid until its next Reset; using one afterwards is
// an error ([ErrStale]).
//
// # Errors
//
// Operations return values, not errors, so that models read as formulas.
// An operation handed operands it cannot combine records an error naming
// the shapes and returns an empty value; every later operation is a no-op,
// and [Graph.Err], [Graph.Backward] and [Graph.Grad] return the error.
//
// # Broadcasting
//
// Add, Sub, Mul and Div broadcast their second operand onto the first
// when its dimensions (aligned with the first's trailing ones, missing
// leading ones counting as 1) that are not 1 equal the first's and are
// contiguous: a bias [F] onto [N, F], a per-channel [1, C, 1, 1] onto
// [N, C, H, W], a per-row [R, 1] onto [R, C], a scalar onto anything.
// SumTo and Expand reduce and broadcast between such shapes; each is the
// other's adjoint.
//
// # Higher derivatives
//
// Second derivatives (Hessian-vector products, for the landscape tools)
// come from differentiating the backward pass itself. With
// GradOptions.CreateGraph, [Graph.Grad] runs every backward rule as
// operations of the graph, so the gradients it returns are values that
// can be differentiated again, as PyTorch's create_graph=True; [HVP] and
// [Hessian] build on it. Every backward rule is written in terms of
// operations that have backward rules themselves: the ReLU mask is a
// constant, sigmoid's and tanh's derivatives are products of their output,
// GELU's k-th derivative is an operation whose derivative is the (k+1)-th,
// convolution's input and filter gradients are operations whose adjoints
// are convolutions again, max-pooling scatters and gathers at its recorded
// positions, layer and batch norm are compositions. So derivatives of any
// order are exact (but for the tanh-approximate GELU, whose third
// derivative is not implemented).
//
// This was chosen over forward-over-reverse (dual numbers carried through
// the forward and backward passes) because it needs one rule per
// operation rather than three (value, tangent, tangent of the backward
// rule), composite operations (layer norm, batch norm, the losses) get
// their second derivatives for free, and user code composed of graph
// operations is differentiable twice with no extra work. The price is
// paid only when asked: a first-order Backward runs fused kernels (the
// ReLU and softmax backward kernels, matrix products straight into the
// parameters' Grad buffers) and records nothing.
//
// # Checking gradients
//
// [GradCheck] compares a function's gradients (both the direct backward
// pass and the recorded one) with central finite differences in float64,
// and [GradGradCheck] its Hessian-vector products with finite differences
// of gradients; the tests run both on every operation.
package autograd
