//! Everything the fake remembers, kept in one serialisable struct so that the demo can persist it
//! and a restarted app sees ids continue instead of colliding with messages it already stored.

use std::collections::{BTreeMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::path::Path;

use base64::Engine as _;
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use super::wire::{self, Message, Update};
use super::{ApiError, Customer, FakeError, InboundContent, SentRecord};

/// Real Telegram keeps at most this many recent messages reachable for replies in our model;
/// older ones only matter to `reply_parameters`, which then reports "not found".
const MESSAGES_KEPT_PER_CHAT: usize = 300;
/// The sent log is a test and demo aid, not an archive.
pub(crate) const SENT_LOG_CAP: usize = 400;

static PHOTO_JPEG: &[u8] = include_bytes!("../../assets/damaged_parcel.jpg");
static PHOTO_THUMB_JPEG: &[u8] = include_bytes!("../../assets/damaged_parcel_thumb.jpg");
static STICKER_WEBP: &[u8] = include_bytes!("../../assets/thumbs.webp");

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct QueuedUpdate {
    pub update: Update,
    /// When the update was created, which is not the message date: injected history carries
    /// old dates but must not fall out of the 24 h retention window at once.
    pub enqueued_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ChatState {
    pub customer: Customer,
    pub next_message_id: i64,
    pub blocked: bool,
    pub messages: VecDeque<Message>,
    /// The user's profile photo, as getUserProfilePhotos lists it (one size: the simulator has
    /// one image per photo).
    #[serde(default)]
    pub profile_photo: Option<wire::PhotoSize>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct StoredBlob {
    pub file_path: String,
    #[serde(with = "b64")]
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct State {
    #[serde(default)]
    pub seeded: bool,
    pub next_update_id: i64,
    pub next_user_id: i64,
    pub next_file_seq: u64,
    pub updates: VecDeque<QueuedUpdate>,
    pub chats: BTreeMap<i64, ChatState>,
    pub sent: VecDeque<SentRecord>,
    pub sent_total: u64,
    /// How many times each text was sent, for every send this process accepted: the complete
    /// oracle for "sent at most once" (`sent` keeps only the newest few, for the control API).
    /// Not persisted: it would grow the demo's state file without end.
    #[serde(skip)]
    pub sent_counts: BTreeMap<String, u64>,
    /// file_id -> file_unique_id: several file_ids may name the same bytes, as on Telegram.
    pub file_ids: BTreeMap<String, String>,
    pub blobs: BTreeMap<String, StoredBlob>,
    pub webhook_url: Option<String>,
    /// Empty means every kind; persists between getUpdates calls like the real setting.
    pub allowed_updates: Vec<String>,
}

impl State {
    pub fn fresh() -> Self {
        let mut rng = rand::rng();
        Self {
            seeded: false,
            // Real bots see large, arbitrary first update ids; starting at 1 would hide client
            // code that assumes small numbers.
            next_update_id: rng.random_range(100_000_000..900_000_000),
            // Recent Telegram user ids no longer fit in 32 bits.
            next_user_id: rng.random_range(5_000_000_000..6_000_000_000),
            next_file_seq: 1,
            updates: VecDeque::new(),
            chats: BTreeMap::new(),
            sent: VecDeque::new(),
            sent_total: 0,
            sent_counts: BTreeMap::new(),
            file_ids: BTreeMap::new(),
            blobs: BTreeMap::new(),
            webhook_url: None,
            allowed_updates: Vec::new(),
        }
    }

    pub fn load(path: &Path) -> std::io::Result<Option<Self>> {
        crate::persist::load(path)
    }

    pub fn add_customer(
        &mut self,
        first_name: &str,
        last_name: Option<&str>,
        username: Option<&str>,
        language_code: Option<&str>,
    ) -> Customer {
        let id = self.next_user_id;
        self.next_user_id += rand::rng().random_range(1_000..2_000_000);
        let customer = Customer {
            id,
            first_name: first_name.to_owned(),
            last_name: last_name.map(str::to_owned),
            username: username.map(str::to_owned),
            language_code: language_code.map(str::to_owned),
        };
        self.chats.insert(
            id,
            ChatState {
                customer: customer.clone(),
                next_message_id: 1,
                blocked: false,
                messages: VecDeque::new(),
                profile_photo: None,
            },
        );
        customer
    }

    /// Gives the user a profile photo (`width`×`height` pixels; the bytes are served as sent).
    pub fn set_profile_photo(&mut self, user: i64, bytes: &[u8], width: u32, height: u32) {
        let file = self.store_file("AgAC", "profile_photos", "jpg", bytes);
        if let Some(chat) = self.chats.get_mut(&user) {
            chat.profile_photo = Some(wire::PhotoSize {
                file_id: file.file_id,
                file_unique_id: file.file_unique_id,
                width,
                height,
                file_size: file.file_size,
            });
        }
    }

    /// getUserProfilePhotos: `{total_count, photos: [[PhotoSize]]}` (newest first).
    pub fn user_profile_photos(&self, user: i64) -> Result<serde_json::Value, ApiError> {
        let chat = self
            .chats
            .get(&user)
            .ok_or_else(|| ApiError::new(400, "Bad Request: user not found"))?;
        let photos: Vec<Vec<&wire::PhotoSize>> =
            chat.profile_photo.iter().map(|p| vec![p]).collect();
        Ok(serde_json::json!({ "total_count": photos.len(), "photos": photos }))
    }

    pub fn customers(&self) -> Vec<Customer> {
        self.chats.values().map(|c| c.customer.clone()).collect()
    }

    fn enqueue(&mut self, update: impl FnOnce(i64) -> Update, now: i64) {
        let id = self.next_update_id;
        let update = update(id);
        // allowed_updates only filters updates created after it was set, as documented.
        if !self.allowed_updates.is_empty()
            && !self.allowed_updates.iter().any(|k| k == update.kind())
        {
            return;
        }
        self.next_update_id += 1;
        self.updates.push_back(QueuedUpdate {
            update,
            enqueued_at: now,
        });
    }

    fn remember(chat: &mut ChatState, message: Message) {
        chat.messages.push_back(message);
        while chat.messages.len() > MESSAGES_KEPT_PER_CHAT {
            chat.messages.pop_front();
        }
    }

    pub fn inject(
        &mut self,
        chat_id: i64,
        content: InboundContent,
        date: i64,
        now: i64,
    ) -> Result<Message, FakeError> {
        let chat = self
            .chats
            .get(&chat_id)
            .ok_or(FakeError::UnknownChat(chat_id))?;
        let customer = chat.customer.clone();
        let message_id = chat.next_message_id;
        let mut message = Message::empty(message_id, customer.user(), customer.chat(), date);
        match content {
            InboundContent::Text(text) => message.text = Some(text),
            InboundContent::Photo { caption } => {
                let big = self.store_file("AgAC", "photos", "jpg", PHOTO_JPEG);
                let small = self.store_file("AgAC", "photos", "jpg", PHOTO_THUMB_JPEG);
                message.photo = Some(vec![
                    wire::PhotoSize {
                        file_id: small.file_id,
                        file_unique_id: small.file_unique_id,
                        width: 90,
                        height: 68,
                        file_size: small.file_size,
                    },
                    wire::PhotoSize {
                        file_id: big.file_id,
                        file_unique_id: big.file_unique_id,
                        width: 480,
                        height: 360,
                        file_size: big.file_size,
                    },
                ]);
                message.caption = caption;
            }
            InboundContent::Document {
                file_name,
                mime_type,
                bytes,
            } => {
                let ext = file_name
                    .rsplit_once('.')
                    .map_or("bin", |(_, e)| e)
                    .to_owned();
                let f = self.store_file("BQAC", "documents", &ext, &bytes);
                message.document = Some(wire::Document {
                    file_id: f.file_id,
                    file_unique_id: f.file_unique_id,
                    file_name,
                    mime_type,
                    file_size: f.file_size,
                });
            }
            InboundContent::Voice { duration } => {
                let bytes = fake_ogg(duration);
                let f = self.store_file("AwAC", "voice", "oga", &bytes);
                message.voice = Some(wire::Voice {
                    file_id: f.file_id,
                    file_unique_id: f.file_unique_id,
                    duration,
                    mime_type: "audio/ogg".to_owned(),
                    file_size: f.file_size,
                });
            }
            InboundContent::Sticker { emoji } => {
                let f = self.store_file("CAAC", "stickers", "webp", STICKER_WEBP);
                message.sticker = Some(wire::Sticker {
                    file_id: f.file_id,
                    file_unique_id: f.file_unique_id,
                    kind: "regular".to_owned(),
                    width: 512,
                    height: 512,
                    is_animated: false,
                    is_video: false,
                    emoji: Some(emoji),
                    file_size: f.file_size,
                });
            }
            InboundContent::Location { lat, lon } => {
                message.location = Some(wire::Location {
                    latitude: lat,
                    longitude: lon,
                });
            }
            InboundContent::Contact { phone, first_name } => {
                message.contact = Some(wire::Contact {
                    phone_number: phone,
                    first_name,
                    last_name: None,
                    user_id: None,
                });
            }
        }
        let chat = self
            .chats
            .get_mut(&chat_id)
            .ok_or(FakeError::UnknownChat(chat_id))?;
        chat.next_message_id += 1;
        Self::remember(chat, message.clone());
        let queued = message.clone();
        self.enqueue(
            |update_id| Update {
                update_id,
                message: Some(queued),
                edited_message: None,
            },
            now,
        );
        Ok(message)
    }

    pub fn edit(
        &mut self,
        chat_id: i64,
        message_id: i64,
        text: &str,
        now: i64,
    ) -> Result<Message, FakeError> {
        let chat = self
            .chats
            .get_mut(&chat_id)
            .ok_or(FakeError::UnknownChat(chat_id))?;
        let message = chat
            .messages
            .iter_mut()
            .find(|m| m.message_id == message_id && m.from.as_ref().is_some_and(|u| !u.is_bot))
            .ok_or(FakeError::UnknownMessage {
                chat_id,
                message_id,
            })?;
        if message.text.is_some() {
            message.text = Some(text.to_owned());
        } else {
            message.caption = Some(text.to_owned());
        }
        message.edit_date = Some(now);
        let edited = message.clone();
        let queued = edited.clone();
        self.enqueue(
            |update_id| Update {
                update_id,
                message: None,
                edited_message: Some(queued),
            },
            now,
        );
        Ok(edited)
    }

    pub fn send_message(
        &mut self,
        bot: &wire::User,
        chat_id: i64,
        text: String,
        reply: Option<(i64, bool)>,
        now: i64,
    ) -> Result<Message, ApiError> {
        let chat = self.writable_chat(chat_id)?;
        let reply_to = match reply {
            None => None,
            Some((id, allow_without)) => match chat.messages.iter().find(|m| m.message_id == id) {
                Some(m) => {
                    // Telegram nests only one level of reply_to_message.
                    let mut m = m.clone();
                    m.reply_to_message = None;
                    Some(Box::new(m))
                }
                None if allow_without => None,
                None => {
                    return Err(ApiError::new(
                        400,
                        "Bad Request: message to be replied not found",
                    ));
                }
            },
        };
        let mut message =
            Message::empty(chat.next_message_id, bot.clone(), chat.customer.chat(), now);
        chat.next_message_id += 1;
        message.text = Some(text.clone());
        message.reply_to_message = reply_to;
        Self::remember(chat, message.clone());
        self.log_sent(SentRecord {
            seq: 0,
            chat_id,
            message_id: message.message_id,
            text,
            reply_to: message.reply_to_message.as_ref().map(|m| m.message_id),
            date: now,
            file: None,
        });
        Ok(message)
    }

    /// sendPhoto / sendDocument with an uploaded file: the bot's message carries the file, whose
    /// `file_id` getFile resolves to the same bytes. (Real Telegram re-encodes photos and makes
    /// several sizes; the fake keeps one size with the bytes as uploaded.)
    pub fn send_file(
        &mut self,
        bot: &wire::User,
        chat_id: i64,
        upload: Upload,
        caption: Option<String>,
        now: i64,
    ) -> Result<Message, ApiError> {
        let chat = self.writable_chat(chat_id)?;
        let mut message =
            Message::empty(chat.next_message_id, bot.clone(), chat.customer.chat(), now);
        let size = upload.bytes.len() as u64;
        let (kind, file_id) = if upload.photo {
            let f = self.store_file("AgAC", "photos", "jpg", &upload.bytes);
            let (width, height) = image_size(&upload.bytes).unwrap_or((0, 0));
            message.photo = Some(vec![wire::PhotoSize {
                file_id: f.file_id.clone(),
                file_unique_id: f.file_unique_id,
                width,
                height,
                file_size: f.file_size,
            }]);
            ("photo", f.file_id)
        } else {
            let ext = upload
                .file_name
                .rsplit_once('.')
                .map_or("bin", |(_, e)| e)
                .to_owned();
            let f = self.store_file("BQAC", "documents", &ext, &upload.bytes);
            message.document = Some(wire::Document {
                file_id: f.file_id.clone(),
                file_unique_id: f.file_unique_id,
                file_name: upload.file_name.clone(),
                mime_type: upload.mime_type.clone(),
                file_size: f.file_size,
            });
            ("document", f.file_id)
        };
        message.caption = caption.clone();
        let chat = self
            .chats
            .get_mut(&chat_id)
            .ok_or_else(ApiError::chat_not_found)?;
        chat.next_message_id += 1;
        Self::remember(chat, message.clone());
        self.log_sent(SentRecord {
            seq: 0,
            chat_id,
            message_id: message.message_id,
            text: caption.unwrap_or_default(),
            reply_to: None,
            date: now,
            file: Some(super::SentFile {
                kind: kind.to_owned(),
                file_id,
                file_name: (!upload.photo).then(|| upload.file_name.clone()),
                mime_type: (!upload.photo).then(|| upload.mime_type.clone()),
                size,
            }),
        });
        Ok(message)
    }

    /// The chat a bot may write to: one that exists and has not blocked the bot.
    fn writable_chat(&mut self, chat_id: i64) -> Result<&mut ChatState, ApiError> {
        let chat = self
            .chats
            .get_mut(&chat_id)
            .ok_or_else(ApiError::chat_not_found)?;
        if chat.blocked {
            return Err(ApiError::new(403, "Forbidden: bot was blocked by the user"));
        }
        Ok(chat)
    }

    /// Records a send in the log the control API serves (its `seq` is given here), keeping the
    /// newest `SENT_LOG_CAP`.
    fn log_sent(&mut self, record: SentRecord) {
        self.sent_total += 1;
        *self.sent_counts.entry(record.text.clone()).or_default() += 1;
        self.sent.push_back(SentRecord {
            seq: self.sent_total,
            ..record
        });
        while self.sent.len() > SENT_LOG_CAP {
            self.sent.pop_front();
        }
    }

    /// The bytes behind a file_id (the control API's view of what getFile serves).
    pub fn bytes_of(&self, file_id: &str) -> Option<Vec<u8>> {
        let unique = self.file_ids.get(file_id)?;
        self.blobs.get(unique).map(|b| b.bytes.clone())
    }

    pub fn drop_expired(&mut self, now: i64, retention_secs: i64) {
        self.updates
            .retain(|u| u.enqueued_at > now - retention_secs);
    }

    /// Applies the confirmation half of getUpdates; returns whether anything was forgotten.
    pub fn confirm(&mut self, offset: i64) -> bool {
        let before = self.updates.len();
        if offset > 0 {
            self.updates.retain(|u| u.update.update_id >= offset);
        } else if offset < 0 {
            let keep = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
            while self.updates.len() > keep {
                self.updates.pop_front();
            }
        }
        self.updates.len() != before
    }

    pub fn peek_updates(&self, limit: usize) -> Vec<Update> {
        self.updates
            .iter()
            .take(limit)
            .map(|u| u.update.clone())
            .collect()
    }

    pub fn get_file(&self, file_id: &str) -> Result<wire::File, ApiError> {
        let unique = self
            .file_ids
            .get(file_id)
            .ok_or_else(|| ApiError::new(400, "Bad Request: invalid file_id"))?;
        let blob = self
            .blobs
            .get(unique)
            .ok_or_else(|| ApiError::new(400, "Bad Request: invalid file_id"))?;
        Ok(wire::File {
            file_id: file_id.to_owned(),
            file_unique_id: unique.clone(),
            file_size: blob.bytes.len() as u64,
            file_path: blob.file_path.clone(),
        })
    }

    pub fn file_bytes(&self, file_path: &str) -> Option<Vec<u8>> {
        self.blobs
            .values()
            .find(|b| b.file_path == file_path)
            .map(|b| b.bytes.clone())
    }

    /// Same bytes keep one file_unique_id and one path, each upload gets a new file_id: the
    /// distinction Telegram documents between the two identifiers.
    fn store_file(&mut self, id_prefix: &str, dir: &str, ext: &str, bytes: &[u8]) -> wire::File {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut hasher);
        let unique = format!("AQAD{:016x}", hasher.finish());
        let seq = self.next_file_seq;
        self.next_file_seq += 1;
        let file_path = format!("{dir}/file_{seq}.{ext}");
        let blob = self
            .blobs
            .entry(unique.clone())
            .or_insert_with(|| StoredBlob {
                file_path,
                bytes: bytes.to_vec(),
            });
        let file_path = blob.file_path.clone();
        let file_id = format!("{id_prefix}{}", random_token(44));
        self.file_ids.insert(file_id.clone(), unique.clone());
        wire::File {
            file_id,
            file_unique_id: unique,
            file_size: bytes.len() as u64,
            file_path,
        }
    }
}

/// A file uploaded with sendPhoto (`photo`) or sendDocument.
pub(crate) struct Upload {
    pub photo: bool,
    pub file_name: String,
    pub mime_type: String,
    pub bytes: Vec<u8>,
}

/// Width and height of a PNG (from its IHDR), for the PhotoSize of an uploaded photo.
fn image_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() >= 24 && bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
        let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
        return Some((w, h));
    }
    None
}

fn random_token(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Not playable audio: enough of an Ogg page header that sniffers call it Ogg.
fn fake_ogg(duration: u32) -> Vec<u8> {
    let mut bytes = b"OggS\0\x02".to_vec();
    bytes.extend_from_slice(&[0; 20]);
    bytes.extend_from_slice(b"OpusHead\x01\x01");
    bytes.resize(64 + duration as usize * 200, 0);
    bytes
}

mod b64 {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(serde::de::Error::custom)
    }
}

/// Used by the HTTP control face to accept document bytes.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}
