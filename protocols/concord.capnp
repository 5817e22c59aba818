# Concord's public wire contract: what a client (an agent service, in any language) and a node's
# gateway say to each other. Version 1.
#
# Transport: ZeroMQ. The node binds a ROUTER socket (`concord node --gateway tcp://HOST:PORT`); a
# client connects a DEALER socket. Every ZeroMQ message is exactly one frame holding exactly one
# Cap'n Proto message in the standard (unpacked) framing with its segment table, the format of
# `capnp encode` / `capnp convert text:binary`. A client sends Request; the node sends Response.
# Cap'n Proto is the only encoding on the wire.
#
# Units, everywhere: money is an exact integer number of PICODOLLARS (1 dollar = 10^12 pd, Int64;
# the ledger's own unit, so a client adds the node's figures without rounding); times are
# SECONDS as Float64 — simulated seconds since the workflow started for event times (with
# simulated workers, the node's --time-scale maps them to real time), real seconds for retry hints.
#
# Limits the node enforces (a message beyond them is refused with badMessage and counted): at
# most 16 MiB per message, Cap'n Proto traversal limit 16 MiB, nesting limit 64. Text fields are
# UTF-8; a workflow document is checked like `concord run` checks a file.
#
# Compatibility: fields are only ever added at the end of a struct or union (Cap'n Proto's rule);
# `version` says which contract a peer speaks. A node refuses a request whose version it does
# not know (badVersion), naming the versions it speaks.

@0xa7532469b453317c;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("concord::wire");

const wireVersion :UInt32 = 1;

# ------------------------------------------------------------------------------------------ client -> node

struct Request {
  version @0 :UInt32;          # the contract the client speaks: wireVersion (1)
  union {
    submit @1 :Submit;
    watch @2 :Watch;
    cancel @3 :Cancel;
    status @4 :Void;           # answered by Response.status
  }
}

# Run a workflow on the cluster. The node that receives it hosts it (its workflow, planner and
# ledger actors live there) and uses the workers of the whole cluster. Answered by accepted (then
# events, if watch is set) or refused.
struct Submit {
  workflowJson @0 :Text;       # the workflow document (docs/workflow-format.md), as in a .json file
  tenant @1 :Text;             # who pays; "" = "default"
  idempotencyKey @2 :Text;     # "" = none. The same (tenant, key) again returns the same workflow
                               # id (accepted.duplicate = true) and starts nothing.
  sourceName @3 :Text;         # a label for reports (e.g. the file name); "" = "workflow ID"
  policy @4 :Text;             # planner policy as `concord run --policy`; "" = "mcpp"
  seed @5 :UInt64;             # random seed; 0 = 1
  budgetPicodollars @6 :Int64; # > 0: the budget; 0: the document's budget_usd, else the nominal one
  deadlineSeconds @7 :Float64; # > 0: the deadline (simulated s); 0: the document's deadline_s, else nominal
  watch @8 :Bool;              # also stream this workflow's events to this client from sequence 1
}

# Stream a workflow's events from sequence number fromSeq (1 = from the start). Events the node
# still holds (a bounded buffer per workflow, kept for a retention time after the end) are
# replayed first, then live ones follow until `ended`. A client that reconnects resumes from its
# last sequence number + 1 and loses nothing, if within the buffer; otherwise it first receives
# a `lost` event naming the sequence numbers it can no longer get.
struct Watch {
  workflowId @0 :UInt64;
  fromSeq @1 :UInt64;
}

# Stop a workflow: in-flight samples are cancelled and settled with the ledger; the workflow then
# ends with reason `interrupted`. Answered by accepted (the same id) or refused (unknownWorkflow).
struct Cancel {
  workflowId @0 :UInt64;
}

# ------------------------------------------------------------------------------------------ node -> client

struct Response {
  version @0 :UInt32;          # the contract the node speaks: wireVersion (1)
  union {
    accepted @1 :Accepted;
    refused @2 :Refused;
    event @3 :Event;
    status @4 :Status;
  }
}

struct Accepted {
  workflowId @0 :UInt64;       # unique on this node; > 0
  duplicate @1 :Bool;          # a Submit with an idempotency key already seen: nothing was started
}

struct Refused {
  code @0 :Code;
  text @1 :Text;               # what was wrong, naming the field (e.g. "workflowJson: subtasks[2].models: ...")
  retryAfterSeconds @2 :Float64;  # busy: try again after this many real seconds; 0 otherwise
  workflowId @3 :UInt64;       # the workflow the refusal is about, when there is one

  enum Code {
    badMessage @0;             # not a Cap'n Proto Request, truncated, oversized, or no known union member
    badVersion @1;             # a contract version the node does not speak
    invalidWorkflow @2;        # the document or an option fails validation
    busy @3;                   # the node hosts its maximum of workflows (--max-workflows)
    unknownWorkflow @4;        # no such workflow (never, or past its retention)
    internal @5;               # the node failed (a bug): the text says how
  }
}

# One thing that happened to a workflow. Sequence numbers start at 1 for each workflow and have
# no gaps; `started` is 1, `ended` is the last.
struct Event {
  workflowId @0 :UInt64;
  seq @1 :UInt64;
  timeSeconds @2 :Float64;     # simulated seconds since the workflow started
  union {
    started @3 :Started;
    batchLaunched @4 :BatchLaunched;
    sampleSettled @5 :SampleSettled;
    subtaskEnded @6 :SubtaskEnded;
    spend @7 :Spend;
    ended @8 :Ended;
    lost @9 :Lost;             # not in the workflow's sequence: seq = 0 (see Watch)
    promised @11 :Promised;    # the planner's promise at its first decision (after started)
  }
  wallTimeNanos @10 :Int64;    # the node's real clock when it recorded the event: nanoseconds since
                               # the Unix epoch (0 for `lost`); a client on the same host measures
                               # the event's delivery latency with it
}

struct Promised {              # predicted probability of completing within budget and deadline
  probability @0 :Float64;     # calibrated on this node's earlier outcomes (--profiles), else = raw
  raw @1 :Float64;             # the planner's own estimate from its rollouts
}

struct Started {
  subtasks @0 :UInt32;
  budgetPicodollars @1 :Int64;
  deadlineSeconds @2 :Float64;
  budgetOrigin @3 :Text;       # "from the request", "from the file", "nominal"
  deadlineOrigin @4 :Text;
  policy @5 :Text;
  seed @6 :UInt64;
}

struct BatchLaunched {         # a batch of k parallel samples of one subtask on one model
  subtask @0 :Text;
  model @1 :Text;
  k @2 :UInt32;
  attempt @3 :UInt32;          # 1-based, per subtask
  batchId @4 :UInt64;
}

struct SampleSettled {         # one sample's cost committed to the ledger
  subtask @0 :Text;
  batchId @1 :UInt64;
  costPicodollars @2 :Int64;
}

struct SubtaskEnded {          # a batch ended: the subtask is done, or this attempt failed
  subtask @0 :Text;
  model @1 :Text;
  k @2 :UInt32;
  attempt @3 :UInt32;
  succeeded @4 :Bool;          # the subtask is done
  finished @5 :Bool;           # the batch ran to its end (false: cut short)
  costPicodollars @6 :Int64;   # charged for this batch
  subtasksDone @7 :UInt32;
  subtasksTotal @8 :UInt32;
  output @9 :Text;             # succeeded on a real worker: the accepted output (else empty)
}

struct Spend {                 # the workflow's ledger after a batch ended
  committedPicodollars @0 :Int64;
  reservedPicodollars @1 :Int64;
  budgetPicodollars @2 :Int64;
}

struct Ended {
  completed @0 :Bool;          # every subtask completed within budget and deadline
  reason @1 :EndReason;
  spendPicodollars @2 :Int64;
  makespanSeconds @3 :Float64;
  subtasksDone @4 :UInt32;
  report @5 :Text;             # the report `concord run` prints for this run, verbatim

  enum EndReason {
    completed @0;
    budgetExhausted @1;
    deadlineExhausted @2;
    stalled @3;
    noWorkerLeft @4;
    attemptsExhausted @5;
    interrupted @6;            # cancelled by a client or the node stopping
    coordinatorRestarted @7;   # the hosting node died and restarted with its --data-dir: the run was not
                               # resumed; spend = the replayed ledger's committed total, in-flight
                               # reservations charged at their full reserved amount (docs/ledger.md)
  }
}

struct Lost {                  # this watcher will never receive events fromSeq..toSeq (inclusive):
  fromSeq @0 :UInt64;          # they left the buffer, or the watcher read too slowly
  toSeq @1 :UInt64;
}

struct Status {
  node @0 :Text;               # the node answering
  nodes @1 :List(Text);        # the cluster's members, this node first
  workers @2 :List(ModelWorkers);
  workflows @3 :List(WorkflowStatus);   # hosted by this node (running, and ended within retention)
  maxWorkflows @4 :UInt32;
  tenants @5 :List(TenantStatus);       # tenant ledgers hosted by this node (`concord node --tenants`)

  struct ModelWorkers {
    model @0 :Text;
    live @1 :UInt32;           # live workers of the model the node's selector knows
  }
  struct WorkflowStatus {
    workflowId @0 :UInt64;
    tenant @1 :Text;
    name @2 :Text;
    state @3 :State;
    spendPicodollars @4 :Int64;      # committed so far
    reservedPicodollars @5 :Int64;
    budgetPicodollars @6 :Int64;
    lastSeq @7 :UInt64;
    enum State { running @0; ended @1; }
  }
  struct TenantStatus {                # docs/negotiation.md "Actors"; current period unless stated
    name @0 :Text;
    budgetPicodollars @1 :Int64;       # per period
    committedPicodollars @2 :Int64;    # charged in the current period
    reservedPicodollars @3 :Int64;     # held for running workflows (committed + reserved <= budget)
    committedTotalPicodollars @4 :Int64;  # charged over all periods
    uncoveredPicodollars @5 :Int64;    # late commits (after their lease expired) no budget covered
    lateCommits @6 :UInt64;
    expiredHoldings @7 :UInt64;        # reservations returned by lease expiry
    liveLeases @8 :UInt64;             # workflows renewing now
    periodSeconds @9 :Float64;         # < 0: one period
    leaseSeconds @10 :Float64;
  }
}

# ================================================================================== worker protocol
#
# External model workers (`concord worker`, or any program in any language) attach to a node's
# worker endpoint (`concord node --worker-endpoint tcp://HOST:PORT`): the node binds a ROUTER
# socket, a worker connects a DEALER socket (CURVE when the node has --curve-secret: the worker's
# public key must be in the node's --clients folder). Framing as above: one frame, one message.
# A worker sends WorkerMessage; the node sends NodeMessage.
#
# Life of a worker: Register -> Registered (or RegisterRefused) -> Heartbeat every
# heartbeatIntervalSeconds (each carries its beacon: queue length and free slots) -> SampleRequest /
# Cancel from the node, SampleResult back. A worker silent for heartbeatTimeoutSeconds is dead:
# the node re-dispatches its samples (under the same reservations) and forgets it; a worker that
# hears nothing for as long should register again. Results are matched by sampleId; a result the
# node does not expect (late, duplicate, after a cancel) is ignored. A worker registering again
# under a name it already holds replaces its earlier registration (its samples are re-dispatched).
# A heartbeat or result from a worker the node does not know is answered unknownWorker.

struct WorkerMessage {
  version @0 :UInt32;          # wireVersion (1)
  union {
    register @1 :Register;
    heartbeat @2 :Heartbeat;
    result @3 :SampleResult;
  }
}

struct NodeMessage {
  version @0 :UInt32;          # wireVersion (1)
  union {
    registered @1 :Registered;
    registerRefused @2 :Text;  # why (bad name, no model, wrong version...): the worker should exit
    sample @3 :SampleRequest;
    cancel @4 :UInt64;         # the sampleId to stop: answer its SampleResult (cancelled) at once
    unknownWorker @5 :Void;    # a message from a worker the node does not know (it restarted, or
                               # declared the worker dead): register again
  }
}

struct Register {
  name @0 :Text;               # unique per node: [A-Za-z0-9._-]{1,64}
  models @1 :List(ModelOffer); # at least one
  capacity @2 :UInt32;         # samples it runs at once (>= 1): the node never sends more
  kind @3 :Text;               # informational: "openai", "exec", "simulate", ...

  struct ModelOffer {
    model @0 :Text;            # a model id as workflow files name it
    usdPerMtokIn @1 :Float64;  # what the worker's provider charges per 1M input tokens (dollars)
    usdPerMtokOut @2 :Float64; # per 1M output tokens
  }
}

struct Registered {
  node @0 :Text;               # the node's name
  heartbeatIntervalSeconds @1 :Float64;   # real seconds between heartbeats
  heartbeatTimeoutSeconds @2 :Float64;    # silent this long: dead
}

struct Heartbeat {
  queue @0 :UInt32;            # samples it holds (running + waiting)
  freeSlots @1 :UInt32;        # capacity - running
}

struct SampleRequest {
  sampleId @0 :UInt64;
  model @1 :Text;              # which of its models
  subtask @2 :Text;            # the subtask's id in the workflow (a simulated worker looks its profile up)
  seed @3 :UInt64;             # the simulated kind's draw; others ignore it
  messages @4 :List(ChatMessage);  # the rendered prompt
  tokenCap @5 :Int64;          # max output tokens; more = truncated, failed, charged at the cap
  timeLimitSeconds @6 :Float64;    # real seconds; 0 = none
  timeScale @7 :Float64;       # simulated seconds per real second (the simulated kind sleeps latency / timeScale)

  struct ChatMessage {
    role @0 :Text;             # "system", "user", "assistant"
    content @1 :Text;
  }
}

struct SampleResult {
  sampleId @0 :UInt64;
  success @1 :Bool;            # the worker's own verdict (a subtask's check may still refuse the output)
  output @2 :Text;             # at most 1 MiB is kept
  inputTokens @3 :Int64;
  outputTokens @4 :Int64;      # the node charges min(outputTokens, tokenCap) x price: never above the reservation
  latencySeconds @5 :Float64;  # real seconds the sample ran
  error @6 :ErrorClass;
  detail @7 :Text;             # one line: HTTP status, exit code, parse error
  usageKnown @8 :Bool;         # true: outputTokens is what the sample consumed. false (the default;
                               # e.g. an HTTP request cut short, whose provider may still bill it):
                               # the node charges the sample's whole reservation

  enum ErrorClass {
    none @0;
    httpStatus @1;             # HTTP status other than 2xx and 429
    rateLimited @2;            # HTTP 429
    timeout @3;
    malformed @4;              # a body that is not the protocol's
    transport @5;              # connection refused/reset, DNS, TLS
    cancelled @6;
    truncated @7;              # the output reached the token cap
    execFailed @8;             # the command could not start
    exitStatus @9;             # the command exited non-zero or was killed
  }
}
