#pragma once
// A small PNG chart library (cairo): line charts and annotated heatmaps, with
// axes, ticks, a legend / colour bar and readable text. Used by `concord bench`
// and other reports. Every function writes one PNG file; failing to write it
// throws concord::InputError naming the path.
#include <string>
#include <vector>

namespace concord::plot {

/// One line of a LineChart: points (x[i], y[i]); x and y must have the same size.
/// Non-finite points are skipped (the line is broken there).
struct Series {
  std::string label;
  std::vector<double> x, y;
};

struct LineChart {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  bool markers = false;  // draw a dot at every point
};

/// Axes fit the data (with "nice" round ticks); a legend lists the series that have a label.
void write_line_chart_png(const LineChart& chart, const std::string& path, int width = 900, int height = 560);

/// values[row][col]; row 0 is drawn at the top (as in a printed table), column 0 at the left.
/// y_ticks label the rows, x_ticks the columns (missing ticks are left blank).
struct Heatmap {
  std::string title, x_label, y_label;
  std::vector<std::string> x_ticks, y_ticks;
  std::vector<std::vector<double>> values;  // [row][col]; NaN: a grey "n/a" cell
  double vmin = 0, vmax = 1;                // colour scale range (values are clamped to it)
  bool diverging = false;                   // blue (vmin) - white (midpoint) - red (vmax); else a sequential scale
  bool annotate = true;                     // write each cell's value in it
};

void write_heatmap_png(const Heatmap& map, const std::string& path, int width = 900, int height = 700);

}  // namespace concord::plot
