//! A TCP connection, in clear text or TLS (either side), behind one Read + Write type.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};

pub enum Stream {
    Plain(TcpStream),
    Server(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
    Client(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Stream {
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Server(s) => &s.sock,
            Stream::Client(s) => &s.sock,
        }
    }

    /// Ends the connection politely (TLS close_notify, then FIN).
    pub fn close(&mut self) {
        match self {
            Stream::Plain(_) => {}
            Stream::Server(s) => {
                s.conn.send_close_notify();
                let _ = s.flush();
            }
            Stream::Client(s) => {
                s.conn.send_close_notify();
                let _ = s.flush();
            }
        }
        let _ = self.tcp().shutdown(Shutdown::Both);
    }
}

impl Stream {
    /// Whether an idle connection can carry another request: the peer has not closed it (or
    /// sent a TLS close_notify) and nothing unexpected is waiting. Over TLS the peer may have
    /// sent session tickets since the last response; those are processed, not mistaken for data.
    pub fn is_reusable(&mut self) -> bool {
        if self.tcp().set_nonblocking(true).is_err() {
            return false;
        }
        let ok = match self {
            Stream::Plain(s) => {
                let mut b = [0u8; 1];
                matches!(s.peek(&mut b), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
            }
            Stream::Client(s) => loop {
                match s.conn.read_tls(&mut s.sock) {
                    Ok(0) => break false,
                    Ok(_) => {
                        if s.conn.process_new_packets().is_err() {
                            break false;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        let mut b = [0u8; 1];
                        // Ok(0): close_notify; Ok(n): data nobody asked for; WouldBlock: idle.
                        break matches!(s.conn.reader().read(&mut b), Err(e) if e.kind() == io::ErrorKind::WouldBlock);
                    }
                    Err(_) => break false,
                }
            },
            Stream::Server(_) => true,
        };
        self.tcp().set_nonblocking(false).is_ok() && ok
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Server(s) => s.read(buf),
            Stream::Client(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Server(s) => s.write(buf),
            Stream::Client(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Server(s) => s.flush(),
            Stream::Client(s) => s.flush(),
        }
    }
}
