package h2

import "strconv"

// ErrCode is an HTTP/2 error code, carried by RST_STREAM and GOAWAY (RFC 9113 §7). Codes this package does not
// know are legal on the wire and carry no special meaning: a receiver treats them like INTERNAL_ERROR at most.
type ErrCode uint32

// The error codes of RFC 9113 §7.
const (
	ErrCodeNo                 ErrCode = 0x0 // NO_ERROR: graceful shutdown
	ErrCodeProtocol           ErrCode = 0x1 // PROTOCOL_ERROR
	ErrCodeInternal           ErrCode = 0x2 // INTERNAL_ERROR
	ErrCodeFlowControl        ErrCode = 0x3 // FLOW_CONTROL_ERROR
	ErrCodeSettingsTimeout    ErrCode = 0x4 // SETTINGS_TIMEOUT
	ErrCodeStreamClosed       ErrCode = 0x5 // STREAM_CLOSED
	ErrCodeFrameSize          ErrCode = 0x6 // FRAME_SIZE_ERROR
	ErrCodeRefusedStream      ErrCode = 0x7 // REFUSED_STREAM: not processed, safe to retry
	ErrCodeCancel             ErrCode = 0x8 // CANCEL
	ErrCodeCompression        ErrCode = 0x9 // COMPRESSION_ERROR
	ErrCodeConnect            ErrCode = 0xa // CONNECT_ERROR
	ErrCodeEnhanceYourCalm    ErrCode = 0xb // ENHANCE_YOUR_CALM
	ErrCodeInadequateSecurity ErrCode = 0xc // INADEQUATE_SECURITY
	ErrCodeHTTP11Required     ErrCode = 0xd // HTTP_1_1_REQUIRED
)

var errCodeNames = [...]string{
	ErrCodeNo:                 "NO_ERROR",
	ErrCodeProtocol:           "PROTOCOL_ERROR",
	ErrCodeInternal:           "INTERNAL_ERROR",
	ErrCodeFlowControl:        "FLOW_CONTROL_ERROR",
	ErrCodeSettingsTimeout:    "SETTINGS_TIMEOUT",
	ErrCodeStreamClosed:       "STREAM_CLOSED",
	ErrCodeFrameSize:          "FRAME_SIZE_ERROR",
	ErrCodeRefusedStream:      "REFUSED_STREAM",
	ErrCodeCancel:             "CANCEL",
	ErrCodeCompression:        "COMPRESSION_ERROR",
	ErrCodeConnect:            "CONNECT_ERROR",
	ErrCodeEnhanceYourCalm:    "ENHANCE_YOUR_CALM",
	ErrCodeInadequateSecurity: "INADEQUATE_SECURITY",
	ErrCodeHTTP11Required:     "HTTP_1_1_REQUIRED",
}

// String returns the name RFC 9113 §7 gives the code ("PROTOCOL_ERROR"), or "UNKNOWN_ERROR_CODE_0xNN".
func (c ErrCode) String() string {
	if uint64(c) < uint64(len(errCodeNames)) {
		return errCodeNames[c]
	}
	return "UNKNOWN_ERROR_CODE_0x" + strconv.FormatUint(uint64(c), 16)
}
