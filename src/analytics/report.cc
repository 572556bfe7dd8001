#include "kefu/analytics/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>

#include "kefu/analytics/scenario.h"

namespace kefu::analytics {
namespace {

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Num(double v, int digits) {
  if (!std::isfinite(v)) {
    return "";
  }
  return fmt::format("{:.{}f}", v, digits);
}

std::string Opt(const Estimate& e, int digits) { return e.n > 0 ? Num(e.mean, digits) : ""; }

struct Series {
  std::string name;
  std::string color;
  std::vector<double> values;  // NaN = no value
  bool bars = false;
};

// One chart: bars and lines over the intervals, a y axis from 0 to a rounded maximum, an
// optional dashed target line.
std::string Chart(const std::string& title, const std::vector<std::string>& labels,
                  const std::vector<Series>& series, const std::string& unit, double target = NAN) {
  const double w = 900, h = 260, left = 56, right = 16, top = 30, bottom = 44;
  const double pw = w - left - right, ph = h - top - bottom;
  double max = std::isfinite(target) ? target : 0;
  for (const Series& s : series) {
    for (double v : s.values) {
      if (std::isfinite(v)) {
        max = std::max(max, v);
      }
    }
  }
  if (max <= 0) {
    max = 1;
  }
  const double magnitude = std::pow(10, std::floor(std::log10(max)));
  double top_value = magnitude;
  for (double m : {1.0, 1.2, 1.6, 2.0, 2.4, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0}) {
    if (m * magnitude >= max) {
      top_value = m * magnitude;
      break;
    }
  }
  const size_t n = std::max<size_t>(labels.size(), 1);
  const double step = pw / static_cast<double>(n);
  auto x = [&](size_t i) { return left + step * (static_cast<double>(i) + 0.5); };
  auto y = [&](double v) { return top + ph - ph * v / top_value; };
  std::string svg = fmt::format(
      "<svg viewBox=\"0 0 {} {}\" width=\"100%\" role=\"img\" aria-label=\"{}\" "
      "xmlns=\"http://www.w3.org/2000/svg\" font-family=\"sans-serif\" font-size=\"11\">\n",
      w, h, Escape(title));
  svg += fmt::format("<text x=\"{}\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{}</text>\n",
                     left, Escape(title));
  for (int g = 0; g <= 4; ++g) {
    const double v = top_value * g / 4;
    svg += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" fill=\"#555\">{}{}</text>\n",
        left, w - right, y(v), y(v), left - 6, y(v) + 4,
        Num(v, top_value < 5                  ? 2
               : std::fmod(top_value, 4) == 0 ? 0
                                              : 1),
        unit);
  }
  const size_t label_every = std::max<size_t>(1, n / 12);
  for (size_t i = 0; i < labels.size(); i += label_every) {
    svg +=
        fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{}</text>\n",
                    x(i), h - bottom + 16, Escape(labels[i]));
  }
  const size_t bar_series = static_cast<size_t>(
      std::count_if(series.begin(), series.end(), [](const Series& s) { return s.bars; }));
  size_t bar_index = 0;
  for (const Series& s : series) {
    if (s.bars) {
      const double bw = step * 0.8 / static_cast<double>(std::max<size_t>(bar_series, 1));
      for (size_t i = 0; i < s.values.size(); ++i) {
        if (!std::isfinite(s.values[i])) {
          continue;
        }
        const double bx = x(i) - step * 0.4 + bw * static_cast<double>(bar_index);
        svg += fmt::format(
            "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\">"
            "<title>{} {}: {}</title></rect>\n",
            bx, y(s.values[i]), bw, top + ph - y(s.values[i]), s.color, Escape(labels[i]),
            Escape(s.name), Num(s.values[i], 2));
      }
      ++bar_index;
    } else {
      std::string points;
      for (size_t i = 0; i < s.values.size(); ++i) {
        if (std::isfinite(s.values[i])) {
          points += fmt::format("{:.1f},{:.1f} ", x(i), y(s.values[i]));
        }
      }
      svg +=
          fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n",
                      points, s.color);
    }
  }
  if (std::isfinite(target)) {
    svg += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#c00\" "
        "stroke-dasharray=\"6 4\"/>\n",
        left, w - right, y(target), y(target));
  }
  double lx = left;
  for (const Series& s : series) {
    svg += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>"
        "<text x=\"{:.1f}\" y=\"{}\">{}</text>\n",
        lx, h - 18, s.color, lx + 16, h - 8, Escape(s.name));
    lx += 40 + 7.0 * static_cast<double>(s.name.size());
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace

std::string IntervalsCsv(const ReplicationSummary& summary) {
  std::string out =
      "interval_start,offered,answered,abandoned,staffed_agents,service_level,service_level_ci95,"
      "asa_s,asa_s_ci95,abandon_rate,occupancy\n";
  for (const IntervalSummary& i : summary.intervals) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", FormatLocalTime(i.interval_start_ms),
                       Num(i.offered, 2), Num(i.answered, 2), Num(i.abandoned, 2),
                       Num(i.staffed_agents, 2), Opt(i.service_level, 4),
                       i.service_level.n > 0 ? Num(i.service_level.half_width, 4) : "",
                       Opt(i.asa_s, 2), i.asa_s.n > 0 ? Num(i.asa_s.half_width, 2) : "",
                       Opt(i.abandon_rate, 4), Opt(i.occupancy, 4));
  }
  return out;
}

std::string SummaryCsv(const ReplicationSummary& s) {
  std::string out = "kpi,mean,ci95,replications\n";
  auto row = [&](const char* name, const Estimate& e, int digits) {
    out += fmt::format("{},{},{},{}\n", name, Opt(e, digits),
                       e.n > 0 ? Num(e.half_width, digits) : "", e.n);
  };
  row("service_level", s.service_level, 4);
  row("answer_rate", s.answer_rate, 4);
  row("abandon_rate", s.abandon_rate, 4);
  row("asa_s", s.asa_s, 2);
  row("aht_s", s.aht_s, 2);
  row("occupancy", s.occupancy, 4);
  return out;
}

std::string HtmlReport(const Scenario& scenario, const ReplicationSummary& s) {
  std::vector<std::string> labels;
  Series offered{"offered 来电", "#4e79a7", {}, true};
  Series abandoned{"abandoned 放弃", "#e15759", {}, true};
  Series staffed{"staffed agents 在岗座席", "#59a14f", {}, false};
  Series sl{"service level 服务水平 %", "#4e79a7", {}, false};
  Series asa{"ASA 平均应答 s", "#f28e2b", {}, false};
  for (const IntervalSummary& i : s.intervals) {
    labels.push_back(FormatLocalTime(i.interval_start_ms).substr(11));
    offered.values.push_back(i.offered);
    abandoned.values.push_back(i.abandoned);
    staffed.values.push_back(i.staffed_agents);
    sl.values.push_back(i.service_level.n > 0 ? 100 * i.service_level.mean : NAN);
    asa.values.push_back(i.asa_s.n > 0 ? i.asa_s.mean : NAN);
  }
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n<title>" +
      Escape("仿真报告 " + scenario.name) +
      "</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}"
      "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
      "text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}"
      "section{margin:1.5em 0}</style></head><body>\n";
  html += "<h1>仿真报告 Simulation report: " + Escape(scenario.name) + "</h1>\n";
  html += fmt::format(
      "<p>Start {} (UTC+8), {:.1f} hours, {}-minute intervals, {} replications, {} contacts "
      "simulated on the production routing engine. Service level = {} with T = {} s; short "
      "abandons (&lt; {} s) {}.</p>\n",
      FormatLocalTime(scenario.start_ms), static_cast<double>(scenario.duration_ms) / 3.6e6,
      scenario.interval_minutes, s.replications, s.contacts,
      Escape(ServiceLevelVariantName(s.kpi.variant)), s.kpi.threshold_s, s.kpi.short_abandon_s,
      s.kpi.exclude_short_abandons ? "excluded" : "counted");
  html += "<table><tr><th>KPI</th><th>mean</th><th>± 95 %</th></tr>\n";
  auto row = [&](const char* name, const Estimate& e, double scale, const char* unit) {
    if (e.n == 0) {
      return;
    }
    html += fmt::format("<tr><td>{}</td><td>{:.2f}{}</td><td>{:.2f}</td></tr>\n", name,
                        e.mean * scale, unit, e.half_width * scale);
  };
  row("服务水平 service level", s.service_level, 100, " %");
  row("接通率 answer rate", s.answer_rate, 100, " %");
  row("放弃率 abandon rate", s.abandon_rate, 100, " %");
  row("平均应答 ASA", s.asa_s, 1, " s");
  row("平均处理时长 AHT", s.aht_s, 1, " s");
  row("占用率 occupancy", s.occupancy, 100, " %");
  html += "</table>\n";
  html += "<section>" + Chart("Offered per interval 来电", labels, {offered}, "") + "</section>\n";
  html += "<section>" +
          Chart("Staffed agents per interval 在岗座席 (mean)", labels, {staffed}, "") +
          "</section>\n";
  html += "<section>" + Chart("Service level per interval 服务水平 (%)", labels, {sl}, "") +
          "</section>\n";
  html += "<section>" + Chart("ASA per interval 平均应答 (s)", labels, {asa}, "") + "</section>\n";
  html +=
      "<section>" + Chart("Abandons per interval 放弃", labels, {abandoned}, "") + "</section>\n";
  html +=
      "<h2>Per interval 分时段</h2>\n<table><tr><th>时段 interval</th><th>来电 offered</th>"
      "<th>接通 answered</th><th>放弃 abandoned</th><th>在岗 staffed</th><th>服务水平 SL</th>"
      "<th>ASA s</th><th>占用率 occupancy</th></tr>\n";
  for (const IntervalSummary& i : s.intervals) {
    html += fmt::format(
        "<tr><td>{}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td><td>{}</td>"
        "<td>{}</td><td>{}</td></tr>\n",
        FormatLocalTime(i.interval_start_ms), i.offered, i.answered, i.abandoned, i.staffed_agents,
        i.service_level.n > 0 ? Num(100 * i.service_level.mean, 1) + " %" : "", Opt(i.asa_s, 1),
        i.occupancy.n > 0 ? Num(100 * i.occupancy.mean, 1) + " %" : "");
  }
  html += "</table>\n<p>" + Escape(ServiceLevelVariantDescription(s.kpi.variant)) +
          "</p>\n</body></html>\n";
  return html;
}

Status WriteSimulationReport(const Scenario& scenario, const ReplicationSummary& summary,
                             const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return UnavailableError("cannot create " + dir + ": " + ec.message());
  }
  const std::pair<const char*, std::string> files[] = {
      {"intervals.csv", IntervalsCsv(summary)},
      {"summary.csv", SummaryCsv(summary)},
      {"report.html", HtmlReport(scenario, summary)},
  };
  for (const auto& [name, text] : files) {
    const std::string path = (std::filesystem::path(dir) / name).string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      return UnavailableError("cannot write " + path);
    }
  }
  return OkStatus();
}

}  // namespace kefu::analytics
