#include "learn/posterior_table.hpp"

#include <algorithm>
#include <stdexcept>

#include "sim/rng.hpp"

namespace concord::learn {

const ProfilePosterior* PosteriorTable::find(const std::string& model, const std::string& key) const {
  const auto it = entries_.find({model, key});
  return it == entries_.end() ? nullptr : &it->second;
}

ProfilePosterior* PosteriorTable::find(const std::string& model, const std::string& key) {
  const auto it = entries_.find({model, key});
  return it == entries_.end() ? nullptr : &it->second;
}

ProfilePosterior& PosteriorTable::get_or_create(const std::string& model, const std::string& key,
                                                const ProfilePosterior& prior) {
  return entries_.try_emplace({model, key}, prior).first->second;
}

void PosteriorTable::put(const std::string& model, const std::string& key, ProfilePosterior p) {
  entries_.insert_or_assign({model, key}, std::move(p));
}

void PosteriorTable::ensure(const Workflow& wf, const FlatWorkflow& flat) {
  for (const Subtask& st : wf.subtasks) {
    const std::string key = subtask_key(st);
    for (const auto& [model, prof] : st.profiles) {
      if (find(model, key)) continue;
      const int m = flat.model_index(model);
      const ModelPrior fallback = default_model_prior(m >= 0 ? flat.token_cap(m) : 1000);
      put(model, key, ProfilePosterior::from_prior(prof.parametric, fallback));
    }
  }
}

void PosteriorTable::update(const Workflow& wf, int s, const std::string& model, const Observation& o) {
  ProfilePosterior* p = find(model, subtask_key(wf.subtasks.at(static_cast<std::size_t>(s))));
  if (!p) throw std::logic_error("PosteriorTable::update: no posterior for model " + model + " (call ensure first)");
  p->update(o);
}

namespace {

ProfileParams clamp_tokens(ProfileParams p, std::int64_t cap) {
  p.tokens_mean = std::clamp(p.tokens_mean, 1.0, static_cast<double>(std::max<std::int64_t>(1, cap)));
  return p;
}

const ProfilePosterior& posterior_of(const PosteriorTable& table, const std::string& model, const Subtask& st) {
  const ProfilePosterior* p = table.find(model, subtask_key(st));
  if (!p) throw std::logic_error("no posterior for model " + model + " on " + st.id + " (PosteriorTable::ensure first)");
  return *p;
}

}  // namespace

Workflow belief_workflow(const Workflow& wf, const FlatWorkflow& flat, const PosteriorTable& table) {
  Workflow b = wf;
  for (std::size_t m = 0; m < b.models.size(); ++m) b.models[m].max_tokens = flat.token_cap(static_cast<int>(m));
  for (Subtask& st : b.subtasks)
    for (auto& [model, prof] : st.profiles) {
      const int m = flat.model_index(model);
      prof.samples.clear();
      prof.parametric = clamp_tokens(posterior_of(table, model, st).mean(), flat.token_cap(m)).to_parametric();
    }
  return b;
}

std::vector<ParametricProfile> draw_profile_sets(const Workflow& wf, const FlatWorkflow& flat, const PosteriorTable& table,
                                                 int sets, std::uint64_t seed) {
  const auto n = static_cast<std::size_t>(flat.num_subtasks()), nm = static_cast<std::size_t>(flat.num_models());
  const std::size_t pairs = n * nm;
  std::vector<ParametricProfile> out(static_cast<std::size_t>(std::max(0, sets)) * pairs);
  for (std::size_t s = 0; s < n; ++s) {
    const Subtask& st = wf.subtasks[s];
    for (std::size_t m = 0; m < nm; ++m) {
      if (!flat.can_run(static_cast<int>(s), static_cast<int>(m))) continue;
      const ProfilePosterior& post = posterior_of(table, flat.model_id(static_cast<int>(m)), st);
      post.latency();  // the EM fit once, before the draws
      for (int i = 0; i < sets; ++i) {
        const std::size_t at = static_cast<std::size_t>(i) * pairs + s * nm + m;
        Rng rng(derive_seed(seed, at));
        out[at] = clamp_tokens(post.draw_params(rng), flat.token_cap(static_cast<int>(m))).to_parametric();
      }
    }
  }
  return out;
}

}  // namespace concord::learn
