package main

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

// A protocol is how one kind of server is spoken to. Message text (payload) never needs JSON
// escaping: the generator makes it from letters, digits, '@' and ':' only.
type protocol interface {
	// handshake runs on a new connection until the client can send and receive; it returns
	// the address other clients use to send it a direct message.
	handshake(c *client, deadline time.Time) (string, error)
	appendBroadcast(dst []byte, c *client, payload []byte) []byte
	appendDirect(dst []byte, c *client, target string, payload []byte) []byte
	// pingReply is the answer to a server ping sent as a data frame, or nil.
	pingReply(frame []byte) []byte
}

func newProtocol(name string) (protocol, error) {
	switch name {
	case "cmf":
		return cmfProtocol{}, nil
	case "socketio":
		return socketIOProtocol{}, nil
	case "centrifugo":
		return centrifugoProtocol{}, nil
	}
	return nil, fmt.Errorf("unknown protocol %q (cmf, socketio, centrifugo)", name)
}

// readText reads the next data frame during a handshake.
func readText(c *client, deadline time.Time) ([]byte, error) {
	if err := c.ws.SetReadDeadline(deadline); err != nil {
		return nil, err
	}
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		return nil, err
	}
	return data, nil
}

// cmfProtocol is CMF's wire protocol, which the bare ws server speaks too.
type cmfProtocol struct{}

var welcomePrefix = []byte(`{"type":"welcome","clientId":"`)

func (cmfProtocol) handshake(c *client, deadline time.Time) (string, error) {
	data, err := readText(c, deadline)
	if err != nil {
		return "", err
	}
	if !bytes.HasPrefix(data, welcomePrefix) {
		return "", fmt.Errorf("first frame is not welcome: %.80s", data)
	}
	rest := data[len(welcomePrefix):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return "", fmt.Errorf("welcome without a client id: %.80s", data)
	}
	return string(rest[:end]), nil
}

func (cmfProtocol) appendBroadcast(dst []byte, _ *client, payload []byte) []byte {
	dst = append(dst, `{"type":"broadcast","message":"`...)
	dst = append(dst, payload...)
	return append(dst, `"}`...)
}

func (cmfProtocol) appendDirect(dst []byte, _ *client, target string, payload []byte) []byte {
	dst = append(dst, `{"type":"broadcast-one","targetId":"`...)
	dst = append(dst, target...)
	dst = append(dst, `","message":"`...)
	dst = append(dst, payload...)
	return append(dst, `"}`...)
}

func (cmfProtocol) pingReply([]byte) []byte { return nil }

// socketIOProtocol is Engine.IO 4 over a WebSocket, Socket.IO packets on the default namespace;
// the bench server (bench/src/peers/socketio-server.ts) handles "broadcast" and "direct" events.
type socketIOProtocol struct{}

func (socketIOProtocol) handshake(c *client, deadline time.Time) (string, error) {
	open, err := readText(c, deadline)
	if err != nil {
		return "", err
	}
	if len(open) == 0 || open[0] != '0' {
		return "", fmt.Errorf("expected an Engine.IO open packet: %.80s", open)
	}
	if err := c.write([]byte("40")); err != nil {
		return "", err
	}
	for {
		data, err := readText(c, deadline)
		if err != nil {
			return "", err
		}
		if bytes.HasPrefix(data, []byte("40")) {
			return jsonString(data, `"sid":"`)
		}
		if bytes.HasPrefix(data, []byte("44")) {
			return "", fmt.Errorf("namespace connect refused: %.80s", data)
		}
	}
}

func (socketIOProtocol) appendBroadcast(dst []byte, _ *client, payload []byte) []byte {
	dst = append(dst, `42["broadcast","`...)
	dst = append(dst, payload...)
	return append(dst, `"]`...)
}

func (socketIOProtocol) appendDirect(dst []byte, _ *client, target string, payload []byte) []byte {
	dst = append(dst, `42["direct","`...)
	dst = append(dst, target...)
	dst = append(dst, `","`...)
	dst = append(dst, payload...)
	return append(dst, `"]`...)
}

func (socketIOProtocol) pingReply(frame []byte) []byte {
	if len(frame) == 1 && frame[0] == '2' {
		return []byte("3")
	}
	return nil
}

// centrifugoProtocol is Centrifugo's JSON client protocol: connect, subscribe to the shared
// channel and to a channel of the client's own (its address for direct messages), publish.
type centrifugoProtocol struct{}

// broadcastChannel is the channel every client subscribes to.
const broadcastChannel = "bench"

func (centrifugoProtocol) handshake(c *client, deadline time.Time) (string, error) {
	own := "u" + strconv.Itoa(c.proc) + "x" + strconv.Itoa(c.idx)
	// Commands and replies may share a frame, one JSON object a line.
	cmds := `{"id":1,"connect":{}}` + "\n" +
		`{"id":2,"subscribe":{"channel":"` + broadcastChannel + `"}}` + "\n" +
		`{"id":3,"subscribe":{"channel":"` + own + `"}}`
	c.cmdID = 3
	if err := c.write([]byte(cmds)); err != nil {
		return "", err
	}
	replies := 0
	for replies < 3 {
		data, err := readText(c, deadline)
		if err != nil {
			return "", err
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			if bytes.Contains(line, []byte(`"error"`)) {
				return "", fmt.Errorf("centrifugo refused: %.120s", line)
			}
			if bytes.HasPrefix(line, []byte(`{"id":`)) {
				replies++
			}
		}
	}
	return own, nil
}

func (centrifugoProtocol) appendPublish(dst []byte, c *client, channel string, payload []byte) []byte {
	c.cmdID++
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendUint(dst, uint64(c.cmdID), 10)
	dst = append(dst, `,"publish":{"channel":"`...)
	dst = append(dst, channel...)
	dst = append(dst, `","data":{"message":"`...)
	dst = append(dst, payload...)
	return append(dst, `"}}}`...)
}

func (p centrifugoProtocol) appendBroadcast(dst []byte, c *client, payload []byte) []byte {
	return p.appendPublish(dst, c, broadcastChannel, payload)
}

func (p centrifugoProtocol) appendDirect(dst []byte, c *client, target string, payload []byte) []byte {
	return p.appendPublish(dst, c, target, payload)
}

// Centrifugo pings with an empty command and expects an empty reply.
func (centrifugoProtocol) pingReply(frame []byte) []byte {
	if string(frame) == "{}" {
		return []byte("{}")
	}
	return nil
}

// jsonString returns the string value that follows key (which includes the opening quote).
func jsonString(data []byte, key string) (string, error) {
	i := bytes.Index(data, []byte(key))
	if i < 0 {
		return "", fmt.Errorf("no %s in %.80s", key, data)
	}
	rest := data[i+len(key):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return "", fmt.Errorf("unterminated %s in %.80s", key, data)
	}
	return string(rest[:end]), nil
}

// closeCode is the WebSocket close code behind a read error; 1006 when the connection just ended.
func closeCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return websocket.CloseAbnormalClosure
}
