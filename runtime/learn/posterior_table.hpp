#pragma once
// The posteriors of a deployment, keyed by (model id, subtask key) (learn/posterior.hpp), and
// what the planner needs from them: the belief workflow (posterior means) and parameter sets
// drawn from the posterior (McppPlanner::set_profile_draws). The profile store
// (learn/profile_store.hpp) persists a table between runs.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "learn/posterior.hpp"
#include "model/workflow.hpp"
#include "sim/flat_workflow.hpp"

namespace concord::learn {

class PosteriorTable {
 public:
  using Key = std::pair<std::string, std::string>;  // (model id, subtask key)

  /// The posterior of (model, key), or null.
  const ProfilePosterior* find(const std::string& model, const std::string& key) const;
  ProfilePosterior* find(const std::string& model, const std::string& key);
  /// The posterior of (model, key), created from `prior` when absent.
  ProfilePosterior& get_or_create(const std::string& model, const std::string& key, const ProfilePosterior& prior);
  void put(const std::string& model, const std::string& key, ProfilePosterior p);
  const std::map<Key, ProfilePosterior>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }

  /// Ensures every pair of `wf` that can run has a posterior: the stored one, else the prior from
  /// its profile's `parametric` summary when present, else default_model_prior(token_cap(m))
  /// (token caps from `flat`, compiled from the same DAG and models).
  void ensure(const Workflow& wf, const FlatWorkflow& flat);

  /// Folds one settled sample of `model` on subtask `s` of `wf` in (ensure() first).
  void update(const Workflow& wf, int s, const std::string& model, const Observation& o);

 private:
  std::map<Key, ProfilePosterior> entries_;
};

/// The workflow a planner plans with: `wf`'s DAG and models (every model's max_tokens set to
/// flat.token_cap(m), so the planner and the workers use the same cap), every profile replaced
/// by its posterior mean (parametric only; the tokens mean clamped to the cap, see
/// posterior.hpp). REQUIRES: table.ensure(wf, flat).
Workflow belief_workflow(const Workflow& wf, const FlatWorkflow& flat, const PosteriorTable& table);

/// `sets` parameter sets drawn from the posteriors, in McppPlanner::set_profile_draws's layout
/// (draws[(set x subtasks + s) x models + m]; pairs that cannot run are left default). Set i of
/// pair (s, m) draws from Rng(derive_seed(seed, i x pairs + s x models + m)): deterministic and
/// independent across pairs and sets. Tokens means are clamped to the model's cap.
/// REQUIRES: table.ensure(wf, flat).
std::vector<ParametricProfile> draw_profile_sets(const Workflow& wf, const FlatWorkflow& flat, const PosteriorTable& table,
                                                 int sets, std::uint64_t seed);

}  // namespace concord::learn
