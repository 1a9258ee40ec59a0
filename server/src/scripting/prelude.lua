-- Scarlet's Lua sandbox, run once on every fresh Lua state before any script.
--
-- Redis 7.0 patches Lua with read-only tables; stock Lua 5.1 has none, so the globals
-- and the library tables that scripts see are empty proxies whose metatables forward
-- reads and refuse writes. The real tables stay reachable from Rust only. The builtins
-- that could write through a proxy (rawset, setmetatable, setfenv) or reach the real
-- globals (getfenv, loadstring, load) are replaced by guarded versions.
--
-- Arguments: the real globals table, the Rust helpers table (killed, handler).
local real, rust = ...

local rawset_, rawget_, setmetatable_, getmetatable_ = rawset, rawget, setmetatable, getmetatable
local error_, type_, tostring_, select_, unpack_ = error, type, tostring, select, unpack
local pcall_, xpcall_, loadstring_, setfenv_, getfenv_ = pcall, xpcall, loadstring, setfenv, getfenv
local killed, message = rust.killed, rust.message
local concat = table.concat

-- Tables scripts may not change, weakly keyed so forgotten proxies can be collected.
local readonly = setmetatable_({}, { __mode = "k" })

local function deny()
    error_("Attempt to modify a readonly table", 2)
end

-- From a replaced builtin, like Redis's C builtins, the error carries no position.
local function refuse()
    error_("Attempt to modify a readonly table", 0)
end

-- What getmetatable() returns for a protected table: read-only and empty, so the real
-- table behind a proxy never leaks through its metatable.
local hidden = {}
setmetatable_(hidden, { __newindex = deny, __metatable = hidden })
readonly[hidden] = true

local function protect(target)
    local proxy = {}
    local meta = { __index = target, __newindex = deny, __metatable = hidden }
    setmetatable_(proxy, meta)
    readonly[proxy] = true
    return proxy, meta
end

local function missing(_, name)
    error_("Script attempted to access nonexistent global variable '" .. tostring_(name) .. "'", 2)
end
setmetatable_(real, { __index = missing })

local globals, globals_meta = protect(real)

local function pack(...)
    return { n = select_("#", ...), ... }
end

-- Redis's pcall: an error table becomes its message, and a killed script stays killed.
real.pcall = function(f, ...)
    local r = pack(pcall_(f, ...))
    if not r[1] then
        if killed() then error_(r[2], 0) end
        local e = r[2]
        if type_(e) == "userdata" then
            r[2] = message(e)
        elseif type_(e) == "table" and type_(rawget_(e, "err")) == "string" then
            r[2] = rawget_(e, "err")
        end
    end
    return unpack_(r, 1, r.n)
end

real.xpcall = function(f, handler)
    local r = pack(xpcall_(f, handler))
    if not r[1] and killed() then error_(r[2], 0) end
    return unpack_(r, 1, r.n)
end

real.rawset = function(t, k, v)
    if readonly[t] then refuse() end
    return rawset_(t, k, v)
end

real.setmetatable = function(t, m)
    if readonly[t] then refuse() end
    return setmetatable_(t, m)
end

-- No bytecode: binary chunks could break the VM. Loaded text runs in the sandbox.
local function load_text(text, name)
    if type_(text) == "string" and text:byte(1) == 27 then
        return nil, "binary chunks are not allowed"
    end
    local f, err = loadstring_(text, name)
    if f then setfenv_(f, globals) end
    return f, err
end
real.loadstring = load_text

real.load = function(reader, name)
    if type_(reader) == "string" then return load_text(reader, name) end
    local parts = {}
    while true do
        local piece = reader()
        if piece == nil or piece == "" then break end
        if type_(piece) ~= "string" then return nil, "reader function must return a string" end
        parts[#parts + 1] = piece
    end
    return load_text(concat(parts), name)
end

real.getfenv = function(f)
    if f == nil then f = 1 end
    if type_(f) == "number" and f > 0 then f = f + 1 end
    local env = getfenv_(f)
    if env == real then return globals end
    return env
end

real.setfenv = function(f, t)
    if f == 0 or readonly[f] then refuse() end
    if type_(f) == "number" and f > 0 then f = f + 1 end
    return setfenv_(f, t)
end

for _, name in ipairs({ "string", "math", "table", "coroutine", "cjson", "bit", "cmsgpack", "struct" }) do
    local lib = rawget_(real, name)
    if type_(lib) == "table" then
        rawset_(real, name, (protect(lib)))
    end
end

-- The string metatable's __index is the real string table: hide it too.
local string_meta = getmetatable_("")
if string_meta then string_meta.__metatable = hidden end

rawset_(real, "_G", globals)

return globals, globals_meta, protect, missing
