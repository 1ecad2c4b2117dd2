package plot

import (
	"math"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
)

// linearTicker places five to eight labelled ticks at round values.
type linearTicker struct{}

// Ticks implements gonum's plot.Ticker.
func (linearTicker) Ticks(min, max float64) []gplot.Tick {
	if !(max > min) || math.IsInf(max-min, 0) {
		return []gplot.Tick{{Value: min, Label: formatNum(min)}}
	}
	step := niceStep(max-min, 5)
	first := math.Ceil(min/step - 1e-9)
	var vals []float64
	for k := first; ; k++ {
		v := k * step
		if v > max+step*1e-9 {
			break
		}
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		vals = append(vals, v)
	}
	return labelLinear(vals, step)
}

// stepTicker is linearTicker for step counts: whole numbers only.
type stepTicker struct{}

// Ticks implements gonum's plot.Ticker.
func (stepTicker) Ticks(min, max float64) []gplot.Tick {
	if !(max > min) || math.IsInf(max-min, 0) {
		return linearTicker{}.Ticks(min, max)
	}
	step := niceStep(max-min, 5)
	switch {
	case step < 1:
		step = 1
	case step == 2.5:
		step = 2
	}
	var vals []float64
	for k := math.Ceil(min / step); k*step <= max; k++ {
		vals = append(vals, k*step)
	}
	return labelLinear(vals, step)
}

// labelLinear labels evenly spaced values with as many decimals as the step
// needs, switching to a×10ⁿ notation for very large or very small values.
func labelLinear(vals []float64, step float64) []gplot.Tick {
	big := 0.0
	for _, v := range vals {
		big = math.Max(big, math.Abs(v))
	}
	ticks := make([]gplot.Tick, len(vals))
	sci := big >= 1e5 || (big > 0 && big < 1e-3)
	dec := decimals(step)
	for i, v := range vals {
		if v == 0 {
			v = 0 // not −0
		}
		label := strconv.FormatFloat(v, 'f', dec, 64)
		if sci {
			label = formatNum(v)
		}
		label = strings.Replace(label, "-", "−", 1)
		ticks[i] = gplot.Tick{Value: v, Label: label}
	}
	return ticks
}

// decimals is the number of decimals that writes step exactly (up to 12).
func decimals(step float64) int {
	for d := 0; d < 12; d++ {
		s := step * math.Pow(10, float64(d))
		if math.Abs(s-math.Round(s)) < 1e-6*math.Max(s, 1) {
			return d
		}
	}
	return 12
}

// niceStep is the step of 1, 2, 2.5 or 5 times a power of ten that cuts
// span into the number of pieces nearest n.
func niceStep(span float64, n int) float64 {
	mag := math.Pow(10, math.Floor(math.Log10(span/float64(n))))
	best, bestD := mag, math.Inf(1)
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if d := math.Abs(span/(m*mag) - float64(n)); d < bestD {
			best, bestD = m*mag, d
		}
	}
	return best
}

// logTicker labels powers of ten on a log axis, falling back to 1-2-5 steps
// and then to linear ticks when the axis spans less than a decade.
type logTicker struct{}

// Ticks implements gonum's plot.Ticker.
func (logTicker) Ticks(min, max float64) []gplot.Tick {
	if !(min > 0) || !(max > min) {
		return linearTicker{}.Ticks(min, max)
	}
	return logTicks(min, max)
}

func logTicks(min, max float64) []gplot.Tick {
	lo := int(math.Floor(math.Log10(min) + 1e-9))
	hi := int(math.Ceil(math.Log10(max) - 1e-9))
	in := func(v float64) bool { return v >= min*(1-1e-9) && v <= max*(1+1e-9) }

	var pows []int
	for k := lo; k <= hi; k++ {
		if in(math.Pow(10, float64(k))) {
			pows = append(pows, k)
		}
	}
	if len(pows) >= 3 {
		every := (len(pows) + 6) / 7 // at most seven labels
		var ticks []gplot.Tick
		first, last := pows[0], pows[len(pows)-1]
		sup := last-first > 3 || first < -2 || last > 4
		for _, k := range pows {
			v := math.Pow(10, float64(k))
			if (k-pows[0])%every != 0 {
				ticks = append(ticks, gplot.Tick{Value: v})
				continue
			}
			label := formatNum(v)
			if sup {
				label = pow10(k)
			}
			ticks = append(ticks, gplot.Tick{Value: v, Label: label})
		}
		if every == 1 && len(pows) <= 8 { // minor ticks at 2..9 × 10ᵏ
			for k := lo - 1; k <= hi; k++ {
				for m := 2; m <= 9; m++ {
					if v := float64(m) * math.Pow(10, float64(k)); in(v) {
						ticks = append(ticks, gplot.Tick{Value: v})
					}
				}
			}
		}
		return ticks
	}
	// Less than three decades: label 1-2-5 steps, or every multiple.
	for _, labelled := range []map[int]bool{{1: true, 2: true, 5: true}, nil} {
		var ticks []gplot.Tick
		n := 0
		for k := lo - 1; k <= hi; k++ {
			for m := 1; m <= 9; m++ {
				v := float64(m) * math.Pow(10, float64(k))
				if !in(v) {
					continue
				}
				t := gplot.Tick{Value: v}
				if labelled == nil || labelled[m] {
					t.Label = formatNum(v)
					n++
				}
				ticks = append(ticks, t)
			}
		}
		if n >= 3 && n <= 9 {
			return ticks
		}
	}
	return linearTicker{}.Ticks(min, max)
}

// formatNum writes v with three significant digits, as a×10ⁿ outside
// [10⁻⁴, 10⁵).
func formatNum(v float64) string {
	if v == 0 {
		return "0"
	}
	s := strconv.FormatFloat(v, 'g', 3, 64)
	if a := math.Abs(v); a >= 1e-4 && a < 1e5 {
		r, _ := strconv.ParseFloat(s, 64)
		return strings.Replace(strconv.FormatFloat(r, 'f', -1, 64), "-", "−", 1)
	}
	mant, exp, ok := strings.Cut(s, "e")
	if !ok {
		return s
	}
	e, err := strconv.Atoi(exp)
	if err != nil {
		return s
	}
	switch mant {
	case "1":
		return pow10(e)
	case "-1":
		return "−" + pow10(e)
	}
	return strings.Replace(mant, "-", "−", 1) + "×" + pow10(e)
}

// pow10 writes 10ᵏ, the exponent as a superscript for richText.
func pow10(k int) string {
	return "10^{" + strings.Replace(strconv.Itoa(k), "-", "−", 1) + "}"
}
