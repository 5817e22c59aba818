#include "cli/tenants_file.hpp"

#include <cctype>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/input_error.hpp"
#include "model/json_fields.hpp"
#include "model/money.hpp"

namespace concord::cli {

std::vector<TenantEntry> read_tenants_file(const std::string& path) {
  const auto root = json_fields::parse_json(json_fields::read_file(path), path);
  json_fields::FieldReader r(path);
  r.object(root, "(top level)");
  r.only_keys(root, "", {"tenants"});
  const auto& list = r.array(r.require(root, "", "tenants"), "tenants");
  std::vector<TenantEntry> out;
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto f = json_fields::FieldReader::at("tenants", i);
    r.object(list[i], f);
    r.only_keys(list[i], f, {"name", "budget_usd", "period_s", "lease_s"});
    TenantEntry t;
    t.name = r.string(r.require(list[i], f, "name"), f + ".name");
    if (t.name.empty() || t.name.size() > 64) r.fail(f + ".name", fmt::format("must be 1..64 characters (got {})", t.name.size()));
    for (char c : t.name)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
        r.fail(f + ".name", fmt::format("\"{}\": only letters, digits, '.', '_' and '-'", t.name));
    if (auto [it, fresh] = seen.emplace(t.name, i); !fresh)
      r.fail(f + ".name", fmt::format("\"{}\" is already tenants[{}]: a tenant is listed once", t.name, it->second));
    const double usd = r.number(r.require(list[i], f, "budget_usd"), f + ".budget_usd");
    if (!(usd >= 0 && usd <= kMaxBudgetUsd))
      r.fail(f + ".budget_usd", fmt::format("dollars per period must be in 0..{} (got {})", kMaxBudgetUsd, usd));
    t.config.budget_per_period = money_from_dollars(usd);
    if (const auto* p = r.find(list[i], "period_s")) {
      const double s = r.number(*p, f + ".period_s");
      if (!(s > 0 && s <= kMaxPeriodSeconds))
        r.fail(f + ".period_s", fmt::format("seconds per period must be in (0, {}] (got {}; leave it out for one period)", kMaxPeriodSeconds, s));
      t.config.period_s = s;
    }
    if (const auto* l = r.find(list[i], "lease_s")) {
      const double s = r.number(*l, f + ".lease_s");
      if (!(s >= kMinLeaseSeconds && s <= kMaxLeaseSeconds))
        r.fail(f + ".lease_s", fmt::format("seconds must be in {}..{} (got {})", kMinLeaseSeconds, kMaxLeaseSeconds, s));
      t.config.lease_s = s;
    }
    out.push_back(std::move(t));
  }
  if (out.empty()) r.fail("tenants", "empty: list at least one tenant (or leave --tenants out)");
  return out;
}

}  // namespace concord::cli
