// Package plot draws the pictures descent users put in talks and reports:
// optimizer races over a loss surface, 2-D loss landscapes and line charts
// of loss, accuracy or loss against learning rate.
//
// The package takes plain data (slices of float64) and writes a finished
// image; it knows nothing of optimizers or models, so any code can feed it.
// Every figure is written as PNG or SVG ("png" or "svg" as the format
// argument); [RaceGIF] writes an animated GIF.
//
// Figures are drawn with gonum.org/v1/plot in a fixed house style: Liberation
// Sans text sized for slides, a perceptual colour map (viridis) for heat
// maps, ten distinct series colours (Tableau 10, repeated with dashes past
// the tenth), a colour bar on every heat map, and a legend placed in the
// emptiest corner of its panel.
//
// Titles, labels and names are plain text, except that "^{…}" is drawn as a
// superscript: "10^{-3}", "x^{2}".
//
// # Grids
//
// A [Grid] holds a function sampled on a rectangular grid: X and Y are the
// strictly increasing coordinates of the columns and rows, and Z[j][i] is
// the value at (X[i], Y[j]), so Z has len(Y) rows of len(X) values. NaN and
// infinite values are gaps: nothing is drawn there and the light grey of the
// panel shows through. [NewGrid] samples a function on an even grid.
//
// # Log colour scales
//
// With LogLevels set, colours and contour levels are spaced evenly in
// log10(z), which suits functions whose values span decades (Rosenbrock's
// valley floor against its walls). Where the grid holds values ≤ 0 the
// scale is log10(z − min + ε) instead, with ε a tenth of the smallest
// positive gap z − min on the grid (never below 1e-12 of the value range),
// so the minimum keeps a finite colour; the colour bar is then labelled in
// z − min + ε, and its title says so with "− min" unless min is 0.
package plot
