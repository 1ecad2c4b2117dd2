// Package landscape measures a trained network's loss around a
// checkpoint: along one or two random directions of parameter space
// (Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets", with
// their filter normalisation), on the line between two checkpoints
// (Goodfellow et al. 2015), or in the plane of the top two principal
// components of the training trajectory (Li et al., section 7: the
// snapshots of train.Config.SnapshotEvery; see PrincipalPlane), with the
// trajectory projected on it.
//
// [Run] evaluates the loss and accuracy at every point of a grid, on the
// whole evaluation set (or its first Samples examples) in eval mode, the
// points spread over worker goroutines that each hold their own copy of
// the model. With Config.State set, every finished point is appended to
// that file, and a later Run with the same configuration continues where
// an interrupted one stopped. [Result.Write] draws the grid (a contour
// map for 2-D and PCA, a curve for 1-D and interpolation) and saves it
// as CSV and JSON, with the directions as safetensors and a trajectory's
// path as CSV.
package landscape
