// Package hessian measures the curvature of a loss: the eigenvalues, trace
// and eigenvalue density of its Hessian, and from them whether a point is
// a minimum, a saddle or flat, and how sharp it is against a learning
// rate. It is the numerical core of `descent hessian`.
//
// Every method works on an [Operator], a symmetric matrix known only by
// its products with vectors, so the same code serves a network with
// hundreds of thousands of parameters, a linear model and a 2-D test
// function:
//
//   - [NewModel] and [NewAutograd]: the Hessian of a loss with respect to
//     a model's parameters, by autograd's exact Hessian-vector products
//     (differentiating the backward pass), over one batch or averaged
//     over the batches of a data set as PyHessian does.
//   - [NewDense]: an explicit symmetric matrix.
//   - [FromSurface]: the analytic Hessian of a surface lab function at a
//     point.
//   - [FromFunc]: products from anywhere else.
//
// The methods follow PyHessian (Yao et al. 2020, "PyHessian: Neural
// Networks Through the Lens of the Hessian", arXiv:1912.07145) and use
// nothing but products:
//
//   - [TopEigen]: the top-k eigenvalues and eigenvectors by power
//     iteration with deflation (100 iterations at most, stopped when the
//     Rayleigh quotient changes by less than 1e-3 relative), made robust
//     to a dominant negative end by deflating it or shifting past it.
//   - [MinEigen]: the smallest eigenvalue by power iteration on
//     λmax·I − H; [Lanczos] and [Krylov.Ritz] find it faster.
//   - [Trace]: Hutchinson's estimate with Rademacher vectors, a running
//     standard error and a stopping rule.
//   - [Density]: the eigenvalue density by stochastic Lanczos quadrature
//     (Lanczos with full reorthogonalisation, the tridiagonal matrix
//     diagonalised by the implicit QL algorithm): nodes and weights, and
//     their Gaussian broadening on a grid. Its start vectors are uniform
//     on the sphere rather than PyHessian's Rademacher vectors, which can
//     be blind to eigenvectors of symmetric problems (DensityConfig tells
//     why); Rademacher ones are an option.
//   - [Analyze]: all of them, with the verdict (minimum, saddle with its
//     estimated index, maximum or flat) and the sharpness λmax·η/2
//     against the edge of stability 2/η, in a [Result] with JSON names.
//
// Every eigenvalue reported is a Rayleigh quotient vᵀHv of a unit vector,
// so it lies inside the spectrum, and carries its residual ‖Hv − λv‖:
// some true eigenvalue lies within the residual of it. Random vectors are
// drawn from seeded generators, so a result is reproducible. Long work
// takes a context.Context and stops with its error. The package computes;
// it never prints.
package hessian
