/* names: the texts of the core's codes, for logs, INFO and tests. */
#include "raft/raft.h"

const char *raft_strerror(int code)
{
    switch (code) {
    case RAFT_OK:
        return "ok";
    case RAFT_ENOTLEADER:
        return "not the leader";
    case RAFT_EDROPPED:
        return "proposal dropped: too much uncommitted data";
    case RAFT_EINVAL:
        return "invalid argument or state";
    case RAFT_ESTORAGE:
        return "raft storage read failed";
    case RAFT_EUNAVAILABLE:
        return "log entry compacted away";
    case RAFT_EMSG:
        return "inconsistent message from a peer";
    case RAFT_ECORRUPT:
        return "message would overwrite a committed entry";
    case RAFT_ENOTSUP:
        return "message type not supported";
    case RAFT_ENOMEM:
        return "out of memory";
    case RAFT_EMSG_VERSION:
        return "unknown message format version";
    case RAFT_EMSG_TOO_LARGE:
        return "message too large";
    case RAFT_EMSG_CHECKSUM:
        return "message checksum mismatch";
    case RAFT_EMSG_MALFORMED:
        return "malformed message";
    default:
        return "unknown error";
    }
}

const char *raft_msg_type_name(int type)
{
    switch (type) {
    case RAFT_MSG_HUP:
        return "MsgHup";
    case RAFT_MSG_BEAT:
        return "MsgBeat";
    case RAFT_MSG_PROP:
        return "MsgProp";
    case RAFT_MSG_APP:
        return "MsgApp";
    case RAFT_MSG_APP_RESP:
        return "MsgAppResp";
    case RAFT_MSG_VOTE:
        return "MsgVote";
    case RAFT_MSG_VOTE_RESP:
        return "MsgVoteResp";
    case RAFT_MSG_PRE_VOTE:
        return "MsgPreVote";
    case RAFT_MSG_PRE_VOTE_RESP:
        return "MsgPreVoteResp";
    case RAFT_MSG_HEARTBEAT:
        return "MsgHeartbeat";
    case RAFT_MSG_HEARTBEAT_RESP:
        return "MsgHeartbeatResp";
    case RAFT_MSG_READ_INDEX:
        return "MsgReadIndex";
    case RAFT_MSG_SNAP:
        return "MsgSnap";
    case RAFT_MSG_SNAP_STATUS:
        return "MsgSnapStatus";
    case RAFT_MSG_UNREACHABLE:
        return "MsgUnreachable";
    case RAFT_MSG_TIMEOUT_NOW:
        return "MsgTimeoutNow";
    default:
        return "MsgUnknown";
    }
}

const char *raft_role_name(int role)
{
    switch (role) {
    case RAFT_FOLLOWER:
        return "follower";
    case RAFT_PRE_CANDIDATE:
        return "pre-candidate";
    case RAFT_CANDIDATE:
        return "candidate";
    case RAFT_LEADER:
        return "leader";
    default:
        return "unknown";
    }
}

const char *raft_progress_state_name(int state)
{
    switch (state) {
    case RAFT_PROGRESS_PROBE:
        return "probe";
    case RAFT_PROGRESS_REPLICATE:
        return "replicate";
    case RAFT_PROGRESS_SNAPSHOT:
        return "snapshot";
    default:
        return "unknown";
    }
}
