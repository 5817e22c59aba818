#include "plot/chart.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>

#include <cairo.h>
#include <fmt/format.h>

#include "model/input_error.hpp"

namespace concord::plot {

namespace {

struct Rgb {
  double r, g, b;
};

// matplotlib's "tab10": distinguishable line colours.
constexpr std::array<Rgb, 10> kPalette{{{0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173},
                                        {0.839, 0.153, 0.157}, {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294},
                                        {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498}, {0.737, 0.741, 0.133},
                                        {0.090, 0.745, 0.812}}};

// Sequential scale: viridis, sampled at 9 stops.
constexpr std::array<Rgb, 9> kViridis{{{0.267, 0.005, 0.329}, {0.282, 0.141, 0.458}, {0.254, 0.265, 0.530},
                                       {0.207, 0.372, 0.553}, {0.164, 0.471, 0.558}, {0.128, 0.567, 0.551},
                                       {0.135, 0.659, 0.518}, {0.478, 0.821, 0.318}, {0.993, 0.906, 0.144}}};

// Diverging scale: RdBu reversed (blue low, white middle, red high), 7 stops.
constexpr std::array<Rgb, 7> kDiverging{{{0.129, 0.400, 0.675}, {0.404, 0.663, 0.812}, {0.820, 0.898, 0.941},
                                         {0.969, 0.969, 0.969}, {0.992, 0.859, 0.780}, {0.937, 0.541, 0.384},
                                         {0.698, 0.094, 0.169}}};

template <std::size_t N>
Rgb interpolate(const std::array<Rgb, N>& stops, double t) {
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
  const double pos = t * static_cast<double>(N - 1);
  const auto i = std::min(static_cast<std::size_t>(pos), N - 2);
  const double f = pos - static_cast<double>(i);
  const Rgb& a = stops[i];
  const Rgb& b = stops[i + 1];
  return {a.r + (b.r - a.r) * f, a.g + (b.g - a.g) * f, a.b + (b.b - a.b) * f};
}

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};

class Canvas {
 public:
  Canvas(int width, int height, const std::string& path) : width_(width), height_(height), path_(path) {
    if (width < 100 || height < 100 || width > 20000 || height > 20000)
      throw InputError(path, "", fmt::format("chart size {}x{}: each side must be in 100..20000 pixels", width, height));
    surface_.reset(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height));
    cr_.reset(cairo_create(surface_.get()));
    if (cairo_status(cr_.get()) != CAIRO_STATUS_SUCCESS)
      throw InputError(path, "", fmt::format("cannot draw: {}", cairo_status_to_string(cairo_status(cr_.get()))));
    cairo_select_font_face(cr(), "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    set_color({1, 1, 1});
    cairo_paint(cr());
  }

  cairo_t* cr() { return cr_.get(); }
  int width() const { return width_; }
  int height() const { return height_; }

  void set_color(const Rgb& c, double alpha = 1.0) { cairo_set_source_rgba(cr(), c.r, c.g, c.b, alpha); }

  double text_width(const std::string& s, double size, bool bold = false) {
    font(size, bold);
    cairo_text_extents_t e;
    cairo_text_extents(cr(), s.c_str(), &e);
    return e.x_advance;
  }

  /// Draws text anchored at (x, y): ax = 0 left, 0.5 centre, 1 right; ay likewise (0 top, 1 bottom).
  void text(const std::string& s, double x, double y, double size, double ax, double ay, bool bold = false,
            double angle = 0.0) {
    if (s.empty()) return;
    font(size, bold);
    cairo_text_extents_t e;
    cairo_text_extents(cr(), s.c_str(), &e);
    cairo_font_extents_t fe;
    cairo_font_extents(cr(), &fe);
    cairo_save(cr());
    cairo_translate(cr(), x, y);
    cairo_rotate(cr(), angle);
    const double h = fe.ascent * 0.8;  // cap height, approximately
    cairo_move_to(cr(), -e.x_advance * ax, h * (1.0 - ay));
    cairo_show_text(cr(), s.c_str());
    cairo_restore(cr());
  }

  /// The largest size <= `size` at which `s` fits in `max_width` pixels (not below 8).
  double fit(const std::string& s, double size, double max_width, bool bold = false) {
    const double w = text_width(s, size, bold);
    return w <= max_width ? size : std::max(8.0, size * max_width / w);
  }

  void line(double x0, double y0, double x1, double y1, double width) {
    cairo_set_line_width(cr(), width);
    cairo_move_to(cr(), x0, y0);
    cairo_line_to(cr(), x1, y1);
    cairo_stroke(cr());
  }

  void write() {
    cairo_surface_flush(surface_.get());
    const cairo_status_t st = cairo_surface_write_to_png(surface_.get(), path_.c_str());
    if (st != CAIRO_STATUS_SUCCESS)
      throw InputError(path_, "", fmt::format("cannot write the PNG file: {}", cairo_status_to_string(st)));
  }

 private:
  void font(double size, bool bold) {
    cairo_select_font_face(cr(), "sans-serif", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr(), size);
  }

  int width_, height_;
  std::string path_;
  std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface_;
  std::unique_ptr<cairo_t, ContextDeleter> cr_;
};

/// "Nice" tick positions covering [lo, hi] (Heckbert's algorithm).
std::vector<double> nice_ticks(double& lo, double& hi, int target = 6) {
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1.0 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  auto nice = [](double x, bool round) {
    const double e = std::floor(std::log10(x));
    const double f = x / std::pow(10.0, e);
    double nf;
    if (round) nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    else nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return nf * std::pow(10.0, e);
  };
  const double range = nice(hi - lo, false);
  const double step = nice(range / (target - 1), true);
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  std::vector<double> ticks;
  for (double t = lo; t <= hi + step * 0.5; t += step) ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

std::string tick_label(double v, double step) {
  if (step >= 1 && std::abs(v) < 1e7) return fmt::format("{:.0f}", v);
  const int decimals = std::clamp(static_cast<int>(std::ceil(-std::log10(step))), 0, 8);
  if (std::abs(v) >= 1e7 || (std::abs(v) > 0 && std::abs(v) < 1e-4)) return fmt::format("{:.2g}", v);
  return fmt::format("{:.{}f}", v, decimals);
}

std::string value_label(double v) {
  if (!std::isfinite(v)) return "n/a";
  const double a = std::abs(v);
  if (a == 0) return "0.00";
  if (a >= 1000 || a < 0.001) return fmt::format("{:.2g}", v);
  if (a >= 10) return fmt::format("{:.1f}", v);
  return fmt::format("{:.2f}", v);
}

constexpr Rgb kBlack{0.1, 0.1, 0.1};
constexpr Rgb kGrid{0.88, 0.88, 0.88};
constexpr Rgb kAxis{0.25, 0.25, 0.25};

}  // namespace

void write_line_chart_png(const LineChart& chart, const std::string& path, int width, int height) {
  Canvas c(width, height, path);
  const double fs = std::clamp(height / 40.0, 10.0, 18.0);  // base font size

  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
  for (const auto& s : chart.series)
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      xlo = std::min(xlo, s.x[i]), xhi = std::max(xhi, s.x[i]);
      ylo = std::min(ylo, s.y[i]), yhi = std::max(yhi, s.y[i]);
    }
  if (!std::isfinite(xlo)) xlo = 0, xhi = 1, ylo = 0, yhi = 1;
  const auto xt = nice_ticks(xlo, xhi);
  const auto yt = nice_ticks(ylo, yhi);
  const double xstep = xt.size() > 1 ? xt[1] - xt[0] : 1, ystep = yt.size() > 1 ? yt[1] - yt[0] : 1;

  double ylab_w = 0;
  for (double t : yt) ylab_w = std::max(ylab_w, c.text_width(tick_label(t, ystep), fs * 0.85));
  const double left = 14 + fs * 1.6 + ylab_w + 10, right = width - 24.0;
  const double top = chart.title.empty() ? 20.0 : 20 + fs * 1.8, bottom = height - (14 + fs * 1.6 + fs * 1.6);
  auto px = [&](double x) { return left + (x - xlo) / (xhi - xlo) * (right - left); };
  auto py = [&](double y) { return bottom - (y - ylo) / (yhi - ylo) * (bottom - top); };

  c.set_color(kGrid);
  for (double t : xt) c.line(px(t), top, px(t), bottom, 1);
  for (double t : yt) c.line(left, py(t), right, py(t), 1);
  c.set_color(kAxis);
  cairo_set_line_width(c.cr(), 1.2);
  cairo_rectangle(c.cr(), left, top, right - left, bottom - top);
  cairo_stroke(c.cr());
  c.set_color(kBlack);
  for (double t : xt) {
    c.line(px(t), bottom, px(t), bottom + 5, 1);
    c.text(tick_label(t, xstep), px(t), bottom + 8, fs * 0.85, 0.5, 0.0);
  }
  for (double t : yt) {
    c.line(left - 5, py(t), left, py(t), 1);
    c.text(tick_label(t, ystep), left - 8, py(t), fs * 0.85, 1.0, 0.5);
  }
  c.text(chart.title, width / 2.0, 12 + fs * 0.5, c.fit(chart.title, fs * 1.15, width - 24.0, true), 0.5, 0.5, true);
  c.text(chart.x_label, (left + right) / 2, height - 12.0, fs, 0.5, 1.0);
  c.text(chart.y_label, 14 + fs * 0.6, (top + bottom) / 2, fs, 0.5, 0.5, false, -M_PI / 2);

  cairo_save(c.cr());
  cairo_rectangle(c.cr(), left, top, right - left, bottom - top);
  cairo_clip(c.cr());
  for (std::size_t k = 0; k < chart.series.size(); ++k) {
    const auto& s = chart.series[k];
    c.set_color(kPalette[k % kPalette.size()]);
    cairo_set_line_width(c.cr(), 2.2);
    cairo_set_line_join(c.cr(), CAIRO_LINE_JOIN_ROUND);
    bool pen = false;
    const std::size_t n = std::min(s.x.size(), s.y.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
        pen = false;
        continue;
      }
      if (pen) cairo_line_to(c.cr(), px(s.x[i]), py(s.y[i]));
      else cairo_move_to(c.cr(), px(s.x[i]), py(s.y[i]));
      pen = true;
    }
    cairo_stroke(c.cr());
    if (chart.markers || n == 1)
      for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
        cairo_arc(c.cr(), px(s.x[i]), py(s.y[i]), 3.6, 0, 2 * M_PI);
        cairo_fill(c.cr());
      }
  }
  cairo_restore(c.cr());

  // Legend: top-left inside the plot area, on a translucent white box.
  std::vector<std::size_t> shown;
  double lw = 0;
  for (std::size_t k = 0; k < chart.series.size(); ++k)
    if (!chart.series[k].label.empty()) {
      shown.push_back(k);
      lw = std::max(lw, c.text_width(chart.series[k].label, fs * 0.85));
    }
  if (!shown.empty()) {
    const double row = fs * 1.35;
    const double bw = lw + 48, bh = row * static_cast<double>(shown.size()) + 8;
    // The corner (top-left, top-right, bottom-right, bottom-left) hiding the fewest points.
    double bx = left + 10, by = top + 10;
    std::size_t fewest = std::numeric_limits<std::size_t>::max();
    for (int corner = 0; corner < 4; ++corner) {
      const double cx = corner == 0 || corner == 3 ? left + 10 : right - 10 - bw;
      const double cy = corner < 2 ? top + 10 : bottom - 10 - bh;
      std::size_t hidden = 0;
      for (const auto& s : chart.series)
        for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
          if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
          const bool seg = i + 1 < std::min(s.x.size(), s.y.size()) && std::isfinite(s.x[i + 1]) && std::isfinite(s.y[i + 1]);
          for (int f = 0; f < (seg ? 16 : 1); ++f) {  // the point and the segment to the next one
            const double u = f / 16.0;
            const double x = px(s.x[i] + (seg ? (s.x[i + 1] - s.x[i]) * u : 0));
            const double y = py(s.y[i] + (seg ? (s.y[i + 1] - s.y[i]) * u : 0));
            hidden += x >= cx - 6 && x <= cx + bw + 6 && y >= cy - 6 && y <= cy + bh + 6;
          }
        }
      if (hidden < fewest) fewest = hidden, bx = cx, by = cy;
    }
    c.set_color({1, 1, 1}, 0.85);
    cairo_rectangle(c.cr(), bx, by, bw, bh);
    cairo_fill(c.cr());
    c.set_color({0.7, 0.7, 0.7});
    cairo_set_line_width(c.cr(), 1);
    cairo_rectangle(c.cr(), bx, by, bw, bh);
    cairo_stroke(c.cr());
    for (std::size_t i = 0; i < shown.size(); ++i) {
      const double y = by + 4 + row * (static_cast<double>(i) + 0.5);
      c.set_color(kPalette[shown[i] % kPalette.size()]);
      c.line(bx + 8, y, bx + 32, y, 2.2);
      if (chart.markers) {
        cairo_arc(c.cr(), bx + 20, y, 3.6, 0, 2 * M_PI);
        cairo_fill(c.cr());
      }
      c.set_color(kBlack);
      c.text(chart.series[shown[i]].label, bx + 40, y, fs * 0.85, 0.0, 0.5);
    }
  }
  c.write();
}

void write_heatmap_png(const Heatmap& map, const std::string& path, int width, int height) {
  Canvas c(width, height, path);
  const double fs = std::clamp(height / 44.0, 10.0, 18.0);
  const std::size_t rows = map.values.size();
  std::size_t cols = 0;
  for (const auto& r : map.values) cols = std::max(cols, r.size());
  const double vmin = map.vmin, vmax = map.vmax > map.vmin ? map.vmax : map.vmin + 1;

  auto color_of = [&](double v) {
    const double t = (v - vmin) / (vmax - vmin);
    return map.diverging ? interpolate(kDiverging, t) : interpolate(kViridis, t);
  };

  double ytick_w = 0;
  for (const auto& t : map.y_ticks) ytick_w = std::max(ytick_w, c.text_width(t, fs * 0.85));
  const double cbar_w = 18, cbar_gap = 22;
  double cbar_lab_w = 0;
  std::vector<double> cticks;
  {
    double lo = vmin, hi = vmax;
    cticks = nice_ticks(lo, hi, 6);
    std::erase_if(cticks, [&](double t) { return t < vmin - 1e-12 || t > vmax + 1e-12; });
    const double step = cticks.size() > 1 ? cticks[1] - cticks[0] : (vmax - vmin);
    for (double t : cticks) cbar_lab_w = std::max(cbar_lab_w, c.text_width(tick_label(t, step), fs * 0.8));
  }
  const double left = 14 + fs * 1.6 + ytick_w + 10;
  const double right = width - (cbar_gap + cbar_w + 8 + cbar_lab_w + 16);
  const double top = map.title.empty() ? 20.0 : 20 + fs * 1.8;
  const double bottom = height - (14 + fs * 1.6 + fs * 1.6);
  const double cw = cols ? (right - left) / static_cast<double>(cols) : 0;
  const double ch = rows ? (bottom - top) / static_cast<double>(rows) : 0;

  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t k = 0; k < cols; ++k) {
      const double v = k < map.values[r].size() ? map.values[r][k] : std::numeric_limits<double>::quiet_NaN();
      const double x = left + cw * static_cast<double>(k), y = top + ch * static_cast<double>(r);
      const Rgb col = std::isfinite(v) ? color_of(v) : Rgb{0.8, 0.8, 0.8};
      c.set_color(col);
      cairo_rectangle(c.cr(), x, y, cw, ch);
      cairo_fill(c.cr());
      if (map.annotate) {
        const double lum = 0.299 * col.r + 0.587 * col.g + 0.114 * col.b;
        c.set_color(lum < 0.5 ? Rgb{1, 1, 1} : kBlack);
        const double size = std::clamp(std::min(cw / 4.5, ch / 2.5), 8.0, fs * 1.1);
        c.text(value_label(v), x + cw / 2, y + ch / 2, size, 0.5, 0.5, true);
      }
    }
  // Cell borders and frame.
  c.set_color({1, 1, 1});
  for (std::size_t k = 1; k < cols; ++k) c.line(left + cw * static_cast<double>(k), top, left + cw * static_cast<double>(k), bottom, 1);
  for (std::size_t r = 1; r < rows; ++r) c.line(left, top + ch * static_cast<double>(r), right, top + ch * static_cast<double>(r), 1);
  c.set_color(kAxis);
  cairo_set_line_width(c.cr(), 1.2);
  cairo_rectangle(c.cr(), left, top, right - left, bottom - top);
  cairo_stroke(c.cr());

  c.set_color(kBlack);
  for (std::size_t k = 0; k < cols && k < map.x_ticks.size(); ++k)
    c.text(map.x_ticks[k], left + cw * (static_cast<double>(k) + 0.5), bottom + 8, fs * 0.85, 0.5, 0.0);
  for (std::size_t r = 0; r < rows && r < map.y_ticks.size(); ++r)
    c.text(map.y_ticks[r], left - 8, top + ch * (static_cast<double>(r) + 0.5), fs * 0.85, 1.0, 0.5);
  c.text(map.title, width / 2.0, 12 + fs * 0.5, c.fit(map.title, fs * 1.15, width - 24.0, true), 0.5, 0.5, true);
  c.text(map.x_label, (left + right) / 2, height - 12.0, fs, 0.5, 1.0);
  c.text(map.y_label, 14 + fs * 0.6, (top + bottom) / 2, fs, 0.5, 0.5, false, -M_PI / 2);

  // Colour bar.
  const double bx = right + cbar_gap;
  const int steps = 128;
  for (int i = 0; i < steps; ++i) {
    const double t0 = static_cast<double>(i) / steps;
    c.set_color(color_of(vmin + (vmax - vmin) * (t0 + 0.5 / steps)));
    const double y = bottom - (bottom - top) * (t0 + 1.0 / steps);
    cairo_rectangle(c.cr(), bx, y, cbar_w, (bottom - top) / steps + 0.8);
    cairo_fill(c.cr());
  }
  c.set_color(kAxis);
  cairo_set_line_width(c.cr(), 1);
  cairo_rectangle(c.cr(), bx, top, cbar_w, bottom - top);
  cairo_stroke(c.cr());
  const double cstep = cticks.size() > 1 ? cticks[1] - cticks[0] : (vmax - vmin);
  c.set_color(kBlack);
  for (double t : cticks) {
    const double y = bottom - (t - vmin) / (vmax - vmin) * (bottom - top);
    c.line(bx + cbar_w, y, bx + cbar_w + 4, y, 1);
    c.text(tick_label(t, cstep), bx + cbar_w + 7, y, fs * 0.8, 0.0, 0.5);
  }
  c.write();
}

}  // namespace concord::plot
