-- Argo CD health check for albatross.dev/DnsAlias (Lua 5.1-compatible, as Argo CD runs it).
-- Reads only the kstatus conditions the controller writes:
--   no status / stale observedGeneration  -> Progressing (kstatus: conditions of an older generation
--                                            say nothing about the current spec)
--   Stalled=True                          -> Degraded (the condition's message: what needs a human;
--                                            reason Drifted: driftPolicy Report found drift, left alone)
--   Reconciling=True                      -> Progressing
--   Ready=True                            -> Healthy
--   Ready=False otherwise                 -> Progressing (e.g. ReferenceNotReady)
local hs = {}

local function condition(conditions, wanted)
  for _, c in ipairs(conditions) do
    if c.type == wanted then return c end
  end
  return nil
end

local function describe(c, fallback)
  if c == nil then return fallback end
  local text = c.reason or fallback
  if c.message ~= nil and c.message ~= "" then text = text .. ": " .. c.message end
  return text
end

local status = obj.status
local conditions = (status ~= nil and status.conditions) or {}
local stalled = condition(conditions, "Stalled")
local reconciling = condition(conditions, "Reconciling")
local ready = condition(conditions, "Ready")

if status == nil or status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to report status"
elseif obj.metadata.generation ~= nil and status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe generation " .. tostring(obj.metadata.generation)
elseif stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled, "Stalled")
elseif reconciling ~= nil and reconciling.status == "True" then
  hs.status = "Progressing"
  hs.message = describe(reconciling, "Reconciling")
elseif ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  if status.chain ~= nil and #status.chain > 0 then
    hs.message = table.concat(status.chain, " -> ")
  else
    hs.message = describe(ready, "Ready")
  end
else
  hs.status = "Progressing"
  hs.message = describe(ready, "NotReady")
end
return hs
